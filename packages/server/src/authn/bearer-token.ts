import { AuthFailure } from './auth-failure.js';

/** The longest bearer token accepted, in characters; longer ones are refused before any decoding. */
export const DEFAULT_MAX_TOKEN_LENGTH = 8192;

/**
 * The bearer token of a request, read from its raw headers (Node keeps only the first of duplicated headers in
 * `headers`, so duplicates are found here). Only the `Authorization` header is read: never a query parameter or a
 * cookie. Throws {@link AuthFailure}: missing_token, duplicate_header (400), malformed_header, token_too_long.
 */
export function readBearerToken(rawHeaders: readonly string[], maxLength = DEFAULT_MAX_TOKEN_LENGTH): string {
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === 'authorization') values.push(rawHeaders[i + 1]!);
  }
  if (values.length === 0) throw new AuthFailure('missing_token');
  if (values.length > 1) throw new AuthFailure('duplicate_header', 400);
  const match = /^Bearer ([^\s,]+)$/i.exec(values[0]!.trim());
  if (!match) throw new AuthFailure('malformed_header');
  const token = match[1]!;
  if (token.length > maxLength) throw new AuthFailure('token_too_long');
  return token;
}
