import { describe, expect, it } from 'vitest';
import { plainJsonObject } from '../../src/wire/plain-json.js';

const roundTrip = (value: unknown) => JSON.parse(JSON.stringify(value ?? {}));

describe('plainJsonObject', () => {
  it('hands a record parsed from JSON over as it is, without a copy', () => {
    const record = JSON.parse(
      '{"vmid":100,"name":"web","cpu":0.5,"ha":{"managed":0},"nics":[{"a":1},null,"x"],"t":true,"n":null}',
    );
    expect(plainJsonObject(record)).toBe(record);
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    expect(plainJsonObject(bare)).toBe(bare);
  });

  it.each([
    ['an undefined member', { a: 1, b: undefined }],
    ['an undefined member deep down', { a: { b: [{ c: undefined }] } }],
    ['an undefined array item', { a: [1, undefined] }],
    ['a hole in an array', { a: Object.assign(new Array<number>(3), { 0: 1, 2: 3 }) }],
    ['a non-finite number', { a: Number.NaN, b: Number.POSITIVE_INFINITY }],
    ['a Date', { at: new Date(0) }],
    ['a class instance', { url: new URL('https://pve.example:8006') }],
    ['a function', { f: () => 1 }],
    ['a Map', { m: new Map([['a', 1]]) }],
    ['a symbol-keyed member', { a: 1, [Symbol('s')]: 2 }],
  ])('copies a value with %s as JSON.stringify would', (_name, value) => {
    const result = plainJsonObject(value);
    expect(result).not.toBe(value);
    expect(result).toEqual(roundTrip(value));
    expect(JSON.stringify(result)).toBe(JSON.stringify(roundTrip(value)));
  });

  it('gives {} for undefined and null, and refuses a cycle as JSON.stringify does', () => {
    expect(plainJsonObject(undefined)).toEqual({});
    expect(plainJsonObject(null)).toEqual({});
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => plainJsonObject(cyclic)).toThrow(TypeError);
  });

  it('copies a value nested deeper than any record (the copy is what reports a cycle or a too deep value)', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 100; i++) deep = { next: deep };
    const result = plainJsonObject(deep);
    expect(result).not.toBe(deep);
    expect(result).toEqual(deep);
  });
});
