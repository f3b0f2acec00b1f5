import type { ParamSpecs, Params } from '../params/param-spec.js';
import type { ConfigValue, GuestConfig } from '../state/model.js';

const INDEXED_NAME = /^([a-z_-]+?)(\d+)$/i;

/** The spec type of a concrete config key (`net0` → the `net[n]` spec's type). */
function specType(specs: ParamSpecs, key: string): string | undefined {
  const direct = specs[key];
  if (direct) return direct.type;
  const m = INDEXED_NAME.exec(key);
  return m ? specs[`${m[1]}[n]`]?.type : undefined;
}

/**
 * Converts validated parameters into config values the way PVE stores and returns them: integer and
 * boolean keys as JSON numbers (booleans as 0/1), everything else (also `number` keys) as strings.
 */
export function toConfigValues(specs: ParamSpecs, params: Params, keys: Iterable<string>): GuestConfig {
  const out: GuestConfig = {};
  for (const key of keys) {
    const v = params[key];
    if (v === undefined) continue;
    const t = specType(specs, key);
    let value: ConfigValue;
    if (typeof v === 'boolean') value = v ? 1 : 0;
    else if (t === 'integer') value = Number(v);
    else value = String(v);
    out[key] = value;
  }
  return out;
}
