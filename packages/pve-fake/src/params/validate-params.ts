import { paramError } from '../pve-error.js';
import { checkStringFormat, checkVmidFormat } from './formats.js';
import type { ParamSpec, ParamSpecs, Params, ParamValue } from './param-spec.js';

/** A raw parameter value as decoded from the query string, a form body or a JSON body. */
export type RawValue = string | number | boolean | null | readonly unknown[] | object;

const INDEXED = /^(.*)\[n\]$/;

/** Finds the spec for a concrete parameter name (`net3` → the `net[n]` spec). */
function specFor(specs: ParamSpecs, name: string): ParamSpec | undefined {
  const direct = specs[name];
  if (direct && !INDEXED.test(name)) return direct;
  const m = /^([a-z_-]+?)(\d+)$/i.exec(name);
  if (!m) return undefined;
  const spec = specs[`${m[1]}[n]`];
  if (!spec) return undefined;
  const index = Number(m[2]);
  if (String(index) !== m[2] || index >= (spec.indexed ?? 0)) return undefined;
  return spec;
}

function display(v: RawValue): string {
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? 'ARRAY' : 'HASH';
  return String(v);
}

/** Checks one value; returns the typed value or an error message in PVE's wording. */
function checkValue(spec: ParamSpec, raw: RawValue, name: string): ParamValue | { error: string } {
  if (typeof raw === 'object' && raw !== null)
    return { error: `type check ('${spec.type}') failed - got ${display(raw)}` };
  switch (spec.type) {
    case 'boolean': {
      if (raw === true || raw === false) return raw;
      if (raw === '1' || raw === 1) return true;
      if (raw === '0' || raw === 0) return false;
      return { error: `type check ('boolean') failed - got '${display(raw)}'` };
    }
    case 'integer':
    case 'number': {
      const text = display(raw);
      const ok =
        spec.type === 'integer' ? /^-?\d+$/.test(text) : /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text);
      if (!ok) return { error: `type check ('${spec.type}') failed - got '${text}'` };
      if (spec.type === 'integer' && spec.format === 'pve-vmid') {
        const err = checkVmidFormat(text);
        if (err) return { error: `invalid format - ${err}\n` };
      }
      const n = Number(text);
      if (spec.minimum !== undefined && n < spec.minimum)
        return { error: `value must have a minimum value of ${spec.minimum}` };
      if (spec.maximum !== undefined && n > spec.maximum)
        return { error: `value must have a maximum value of ${spec.maximum}` };
      return n;
    }
    case 'string': {
      const text = display(raw);
      if (spec.format) {
        const err = checkStringFormat(spec.format, text, name);
        if (err) return { error: `invalid format - ${err}\n` };
      }
      if (spec.enum && !spec.enum.includes(text)) {
        return {
          error: `value '${text}' does not have a value in the enumeration '${spec.enum.join(', ')}'`,
        };
      }
      if (spec.pattern && !new RegExp(`^(?:${spec.pattern})$`).test(text))
        return { error: 'value does not match the regex pattern' };
      if (spec.maxLength !== undefined && text.length > spec.maxLength) {
        return { error: `value may only be ${spec.maxLength} characters long` };
      }
      if (spec.minLength !== undefined && text.length < spec.minLength) {
        return { error: `value must be at least ${spec.minLength} characters long` };
      }
      return text;
    }
  }
}

/**
 * Validates request parameters against a route's specs the way PVE's JSON schema validator does:
 * unknown names, missing required ones and bad values are collected into one 400 error.
 */
export function validateParams(specs: ParamSpecs, raw: Readonly<Record<string, RawValue>>): Params {
  const errors: Record<string, string> = {};
  const out: Record<string, ParamValue> = {};
  for (const [name, value] of Object.entries(raw)) {
    const spec = specFor(specs, name);
    if (!spec) {
      errors[name] = 'property is not defined in schema and the schema does not allow additional properties';
      continue;
    }
    if (value === null) continue;
    const checked = checkValue(spec, value, name);
    if (typeof checked === 'object') errors[name] = checked.error;
    else out[name] = checked;
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (!spec.optional && !INDEXED.test(name) && raw[name] === undefined && errors[name] === undefined) {
      errors[name] = 'property is missing and it is not optional';
    }
  }
  if (Object.keys(errors).length > 0) throw paramError(errors);
  return out;
}
