/** A value of a PVE request parameter. `undefined` leaves the parameter out; arrays repeat the key. */
export type PveParamValue = string | number | boolean | undefined | readonly (string | number)[];

/** Request parameters by name. */
export type PveParams = Readonly<Record<string, PveParamValue>>;

/**
 * Encodes parameters the way PVE reads them: `application/x-www-form-urlencoded`, booleans as `1`/`0` (PVE rejects
 * `true`), arrays as repeated keys, absent values left out.
 */
export function encodePveParams(params: PveParams | undefined): string {
  if (params === undefined) return '';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const item of value) search.append(key, String(item));
    } else {
      search.append(key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
    }
  }
  return search.toString();
}

/** Encodes each path segment (a UPID has `:`, `@` and `!`). */
export function pvePath(...segments: readonly (string | number)[]): string {
  return `/${segments.map((segment) => encodeURIComponent(String(segment))).join('/')}`;
}
