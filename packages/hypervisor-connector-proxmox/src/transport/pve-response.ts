import { InternalError } from '@hvc/hypervisor-connector';
import { jsonArrayEnvelopeParser } from '@hvc/hypervisor-connector-kit/http';
import type { z } from 'zod';
import { type PveErrorBody, PveErrorBodySchema } from '../schemas/envelope.js';
import { directReader } from '../schemas/pve-record.js';

/** What a parse failure names: the call it answered. */
export interface AnsweredRequest {
  readonly method: string;
  readonly path: string;
}

/** A 2xx body as {@link readPveBody} read it: its JSON value, or why it is not JSON. */
export type PveBody = { readonly json: unknown } | { readonly notJson: unknown };

/** `{"data":[…]}` bodies parsed in runs, without one string of a large listing (see `jsonArrayEnvelopeParser`). */
const parseEnvelope = jsonArrayEnvelopeParser('data');

/** Reads a 2xx body from its bytes (the transports' `parseBody`): never throws, a body that is not JSON says so. */
export function readPveBody(bytes: Buffer): PveBody {
  try {
    return { json: parseEnvelope(bytes) };
  } catch (error) {
    return { notJson: error };
  }
}

/** The error body of a failed answer, or `undefined` when it has none PVE would send. */
export function parseErrorBody(text: string): PveErrorBody | undefined {
  if (!text) return undefined;
  try {
    return errorBodyOf(JSON.parse(text));
  } catch {
    // Errors raised before a handler runs have a plain-text body (or none): the reason phrase carries the text.
    return { message: text.slice(0, 1024) };
  }
}

/** The error body of a 2xx answer other than 200 (read as JSON, as every 2xx is). */
export function parsedErrorBody(body: PveBody | undefined): PveErrorBody | undefined {
  return body !== undefined && 'json' in body ? errorBodyOf(body.json) : undefined;
}

function errorBodyOf(json: unknown): PveErrorBody | undefined {
  const parsed = PveErrorBodySchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** The `data` of a 200 answer, read with `schema` when given; INTERNAL when it is not a PVE answer. */
export function parseData<S extends z.ZodType>(
  body: PveBody,
  schema: S | undefined,
  request: AnsweredRequest,
  target: string | undefined,
): z.output<S> {
  if (!('json' in body)) {
    throw badResponse(request, target, 'with something that is not JSON', { cause: body.notJson });
  }
  const json = body.json;
  if (typeof json !== 'object' || json === null || !('data' in json)) {
    throw badResponse(request, target, 'without a data envelope', {});
  }
  const data = (json as { data: unknown }).data;
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
