import type { JsonObject } from '@bufbuild/protobuf';

/** Deeper than any record a hypervisor sends; a deeper (or cyclic) value takes the copy, which reports it. */
const MAX_DEPTH = 64;

/**
 * `value` as a JSON object for a `google.protobuf.Struct` field: `value` itself when it already is plain JSON (a
 * record parsed from a hypervisor's JSON answer always is), else a copy through `JSON.stringify` that drops
 * `undefined` members and anything else JSON cannot carry. The check walks the value without allocating; the
 * Struct conversion copies what it reads, so the caller's object is never changed. `{}` for `undefined` or `null`.
 */
export function plainJsonObject(value: unknown): JsonObject {
  if (value === undefined || value === null) return {};
  if (isPlainObject(value) && isPlainJsonObject(value, 0)) return value as JsonObject;
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

function isPlainObject(value: object | unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isPlainJsonObject(object: Record<string, unknown>, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  for (const key in object) {
    if (!Object.hasOwn(object, key) || !isPlainJsonValue(object[key], depth + 1)) return false;
  }
  // Symbol-keyed members are invisible to JSON but not to every reader of the object: copy such an object.
  return Object.getOwnPropertySymbols(object).length === 0;
}

function isPlainJsonValue(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      if (value === null) return true;
      if (Array.isArray(value)) {
        if (depth > MAX_DEPTH || Object.getPrototypeOf(value) !== Array.prototype) return false;
        for (let i = 0; i < value.length; i++) {
          if (!(i in value) || !isPlainJsonValue(value[i], depth + 1)) return false;
        }
        return true;
      }
      return isPlainObject(value) && isPlainJsonObject(value, depth);
    default:
      return false;
  }
}
