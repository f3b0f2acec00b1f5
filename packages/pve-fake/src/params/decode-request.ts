import { PveError, paramError } from '../pve-error.js';
import type { RawValue } from './validate-params.js';

/** Largest body pveproxy accepts (512 KiB since PVE 8.4; 64 KiB before). */
export const MAX_BODY_BYTES = { 8: 64 * 1024, 9: 512 * 1024 } as const;

/** Parses `application/x-www-form-urlencoded` the way PVE does: pairs split on `&` and `;`, `+` is a space. */
function parseForm(text: string, into: Record<string, RawValue>): void {
  for (const pair of text.split(/[&;]/)) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
    const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
    const prev = into[key];
    into[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
}

/**
 * Reads all parameters of a request: body (POST/PUT, form or JSON), then the query string (which
 * wins), then the path placeholders (a conflicting duplicate is a 400, as on PVE). `_dc` is dropped.
 */
export async function decodeRequestParams(
  request: Request,
  pathParams: Readonly<Record<string, string>>,
  pveVersion: 8 | 9,
): Promise<Record<string, RawValue>> {
  const method = request.method;
  const raw: Record<string, RawValue> = {};
  const text = request.body ? await request.text() : '';
  if (text.length > 0) {
    if (method !== 'POST' && method !== 'PUT')
      throw new PveError(501, `Unexpected content for method '${method}'`, 'server');
    if (Buffer.byteLength(text) > MAX_BODY_BYTES[pveVersion])
      throw new PveError(501, 'for data too large', 'server');
    const ct = (request.headers.get('content-type') ?? 'application/x-www-form-urlencoded')
      .split(';')[0]!
      .trim();
    if (ct === 'application/json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new PveError(400, 'malformed JSON string', 'handler');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new PveError(400, 'malformed JSON string', 'handler');
      }
      Object.assign(raw, parsed);
    } else if (ct === 'application/x-www-form-urlencoded' || ct === '') {
      parseForm(text, raw);
    } else {
      throw new PveError(506, `upload 'Content-Type '${ct}' not implemented`, 'server');
    }
  }
  const query = new URL(request.url).search.slice(1);
  if (query) parseForm(query, raw);
  delete raw._dc;
  const conflicts: Record<string, string> = {};
  for (const [name, value] of Object.entries(pathParams)) {
    const given = raw[name];
    if (given !== undefined && String(given) !== value) {
      conflicts[name] = 'duplicate parameter (already defined in URI) with conflicting values!';
    }
    raw[name] = value;
  }
  if (Object.keys(conflicts).length > 0) throw paramError(conflicts);
  return raw;
}
