import { createHmac, randomBytes } from 'node:crypto';

/**
 * Fingerprints validated target configs so the resolver can tell "same config" from "changed config" without
 * keeping or comparing the configs themselves.
 *
 * The canonical form sorts object keys and spells out values JSON cannot (bigint, NaN, dates, bytes, maps, sets).
 * Functions and class instances (a clock, a logger, an HTTP agent) cannot be compared by content, so they count by
 * identity: the same instance gives the same fingerprint, another instance a new one.
 *
 * The digest is an HMAC under a key made per fingerprinter, so a fingerprint that shows up in events or stats says
 * nothing about the secrets in the config, not even to someone guessing weak passwords offline.
 */
export class ConfigFingerprinter {
  readonly #key = randomBytes(32);
  readonly #identities = new WeakMap<object, number>();
  #nextIdentity = 1;

  /** The fingerprint of `value`: 32 hex characters. */
  fingerprint(value: unknown): string {
    // The canonical text holds the config's values: it never leaves this function.
    return createHmac('sha256', this.#key).update(this.#write(value, [])).digest('hex').slice(0, 32);
  }

  #write(value: unknown, ancestors: object[]): string {
    switch (typeof value) {
      case 'string':
        return JSON.stringify(value);
      case 'number':
        return Number.isFinite(value) ? String(value) : `#${String(value)}`;
      case 'bigint':
        return `${value}n`;
      case 'boolean':
        return String(value);
      case 'undefined':
        return '#undefined';
      case 'symbol':
        return `#symbol(${String(value.description)})`;
      case 'function':
        return this.#identity(value);
      default:
        break;
    }
    if (value === null) return 'null';
    const object = value as object;
    const depth = ancestors.indexOf(object);
    if (depth >= 0) return `#cycle(${ancestors.length - depth})`;
    const inside = [...ancestors, object];
    if (Array.isArray(object)) return `[${object.map((item) => this.#write(item, inside)).join(',')}]`;
    if (object instanceof Date)
      return `#date(${Number.isNaN(object.getTime()) ? 'invalid' : object.toISOString()})`;
    if (object instanceof RegExp) return `#regexp(${String(object)})`;
    if (object instanceof URL) return `#url(${object.href})`;
    if (ArrayBuffer.isView(object)) {
      return `#bytes(${Buffer.from(object.buffer, object.byteOffset, object.byteLength).toString('hex')})`;
    }
    if (object instanceof Map) {
      const entries = [...object].map(([k, v]) => `${this.#write(k, inside)}=>${this.#write(v, inside)}`);
      return `#map{${entries.sort().join(',')}}`;
    }
    if (object instanceof Set) {
      return `#set{${[...object]
        .map((item) => this.#write(item, inside))
        .sort()
        .join(',')}}`;
    }
    const prototype = Object.getPrototypeOf(object);
    if (prototype !== Object.prototype && prototype !== null) return this.#identity(object);
    const record = object as Record<string, unknown>;
    const fields = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${this.#write(record[key], inside)}`);
    return `{${fields.join(',')}}`;
  }

  #identity(value: object): string {
    let id = this.#identities.get(value);
    if (id === undefined) {
      id = this.#nextIdentity++;
      this.#identities.set(value, id);
    }
    return `#instance(${id})`;
  }
}
