import { type DescMessage, fromBinary, type MessageShape, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { MAY_HAVE_BEEN_APPLIED_METADATA } from './error-mapping.js';

/** The answer of a write as an idempotency key records it: the response message, or the error the client saw. */
export type RecordedAnswer =
  | { readonly kind: 'response'; readonly message: string }
  | {
      readonly kind: 'error';
      readonly code: Code;
      readonly message: string;
      readonly mayHaveBeenApplied: boolean;
    };

/** JSON of a response message: its protobuf bytes, base64. */
export function recordResponse<O extends DescMessage>(schema: O, message: MessageShape<O>): string {
  const answer: RecordedAnswer = {
    kind: 'response',
    message: Buffer.from(toBinary(schema, message)).toString('base64'),
  };
  return JSON.stringify(answer);
}

/** JSON of an error as the client saw it: code, message and whether its write may have been applied. */
export function recordError(error: ConnectError): string {
  const answer: RecordedAnswer = {
    kind: 'error',
    code: error.code,
    message: error.rawMessage,
    mayHaveBeenApplied: error.metadata.get(MAY_HAVE_BEEN_APPLIED_METADATA) === 'true',
  };
  return JSON.stringify(answer);
}

/** Reads what {@link recordResponse} or {@link recordError} wrote; throws on anything else. */
export function parseRecordedAnswer(json: string): RecordedAnswer {
  const value = JSON.parse(json) as Partial<Record<string, unknown>>;
  if (value.kind === 'response' && typeof value.message === 'string')
    return { kind: 'response', message: value.message };
  if (
    value.kind === 'error' &&
    typeof value.code === 'number' &&
    Code[value.code] !== undefined &&
    typeof value.message === 'string'
  )
    return {
      kind: 'error',
      code: value.code as Code,
      message: value.message,
      mayHaveBeenApplied: value.mayHaveBeenApplied === true,
    };
  throw new Error('not a recorded answer');
}

/** The recorded response message. */
export function replayResponse<O extends DescMessage>(
  schema: O,
  answer: { message: string },
): MessageShape<O> {
  return fromBinary(schema, Buffer.from(answer.message, 'base64'));
}

/** The recorded error, as the client saw it the first time. */
export function replayError(answer: Extract<RecordedAnswer, { kind: 'error' }>): ConnectError {
  const metadata = answer.mayHaveBeenApplied
    ? new Headers({ [MAY_HAVE_BEEN_APPLIED_METADATA]: 'true' })
    : undefined;
  return new ConnectError(answer.message, answer.code, metadata);
}
