import { InternalError } from '@hvc/hypervisor-connector';
import type { z } from 'zod';
import { type PveErrorBody, PveErrorBodySchema } from '../schemas/envelope.js';
import { directReader } from '../schemas/pve-record.js';

/** What a parse failure names: the call it answered. */
export interface AnsweredRequest {
  readonly method: string;
  readonly path: string;
}

/** The error body of a failed answer, or `undefined` when it has none PVE would send. */
export function parseErrorBody(text: string): PveErrorBody | undefined {
  if (!text) return undefined;
  try {
    const parsed = PveErrorBodySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    // Errors raised before a handler runs have a plain-text body (or none): the reason phrase carries the text.
    return { message: text.slice(0, 1024) };
  }
}

/** The `data` of a 200 answer, parsed with `schema` when given; INTERNAL when it is not a PVE answer. */
export function parseData<S extends z.ZodType>(
  text: string,
  schema: S | undefined,
  request: AnsweredRequest,
  target: string | undefined,
): z.output<S> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw badResponse(request, target, 'with something that is not JSON', { cause: error });
  }
  if (typeof body !== 'object' || body === null || !('data' in body)) {
    throw badResponse(request, target, 'without a data envelope', {});
  }
  const data = (body as { data: unknown }).data;
  if (!schema) return data as z.output<S>;
  const read = directReader(schema);
  if (read) {
    const result = read(data);
    if ('value' in result) return result.value as z.output<S>;
    throw unexpectedResponse(request, target, [result]);
  }
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw unexpectedResponse(request, target, parsed.error.issues);
}

/** INTERNAL for a response that does not match its schema, naming the first bad member. */
function unexpectedResponse(
  request: AnsweredRequest,
  target: string | undefined,
  issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[],
): InternalError {
  const first = issues[0];
  const where = `${request.method} ${request.path}`;
  return new InternalError(
    `unexpected PVE response to ${where}: ${first ? `${first.path.map(String).join('.') || 'data'}: ${first.message}` : 'invalid'}`,
    {
      ...(target === undefined ? {} : { target }),
      details: {
        issues: issues.slice(0, 5).map((i) => ({ path: i.path.map(String), message: i.message })),
      },
    },
  );
}

/** INTERNAL for a 200 whose body is not a PVE answer. */
function badResponse(
  request: AnsweredRequest,
  target: string | undefined,
  what: string,
  options: { cause?: unknown },
): InternalError {
  return new InternalError(`PVE answered ${request.method} ${request.path} ${what}`, {
    ...options,
    ...(target === undefined ? {} : { target }),
  });
}
