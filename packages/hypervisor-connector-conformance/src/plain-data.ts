import { fail } from './expect-error.js';

/**
 * Fails unless `value` is plain data: strings, finite numbers, booleans, null, arrays and objects whose prototype is
 * `Object.prototype` or null, all the way down (no class instances, Dates, functions, Maps) — and survives a JSON
 * round trip unchanged.
 */
export function expectPlainData(value: unknown, what: string): void {
  walk(value, what);
  const copy: unknown = JSON.parse(JSON.stringify(value));
  if (!sameData(copy, value)) fail(`${what} changes in a JSON round trip`);
}

function walk(value: unknown, path: string): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(`${path} is ${value}, not a finite number`);
    return;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) walk(item, `${path}[${index}]`);
    return;
  }
  if (typeof value === 'object') {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      fail(`${path} is a ${value.constructor?.name ?? 'class'} instance, not a plain object`);
    }
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) walk(item, `${path}.${key}`);
    }
    return;
  }
  fail(`${path} is a ${typeof value}, not plain data`);
}

/** Deep equality of JSON-like values, where an absent property equals one set to undefined. */
function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const entriesA = Object.entries(a).filter(([, v]) => v !== undefined);
  const entriesB = Object.entries(b).filter(([, v]) => v !== undefined);
  if (entriesA.length !== entriesB.length) return false;
  const lookup = new Map(entriesB);
  return entriesA.every(([key, v]) => lookup.has(key) && sameData(v, lookup.get(key)));
}
