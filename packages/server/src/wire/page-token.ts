import { InvalidArgumentError } from '@hvc/hypervisor-connector';

/** The largest page a list call returns. */
export const MAX_PAGE_SIZE = 1000;
/** The page size when a request asks for none. */
export const DEFAULT_PAGE_SIZE = 100;

/** The page size of a request: the default for 0, INVALID_ARGUMENT outside 0..1000. */
export function pageSizeOf(value: number): number {
  if (value === 0) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(value) || value < 0 || value > MAX_PAGE_SIZE) {
    throw new InvalidArgumentError(`page_size must be between 0 and ${MAX_PAGE_SIZE}`, {
      violations: [{ field: 'page_size', message: `between 0 and ${MAX_PAGE_SIZE}` }],
    });
  }
  return value;
}

/** An opaque token for the page after the item with id `after`. */
export function encodePageToken(after: string): string {
  return Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');
}

/** The id a page token continues after; undefined for an empty token, INVALID_ARGUMENT for a bad one. */
export function decodePageToken(token: string): string | undefined {
  if (token === '') return undefined;
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof value.after === 'string') return value.after;
  } catch {
    // Falls through to the error below.
  }
  throw new InvalidArgumentError('page_token is not a token this server issued', {
    violations: [{ field: 'page_token', message: 'not a valid page token' }],
  });
}
