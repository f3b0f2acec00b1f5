import type { JsonObject, JsonValue } from '@bufbuild/protobuf';

// Wire tags of google.protobuf.Struct (map<string, Value> fields = 1), its map entries (key = 1, value = 2),
// Value (null_value = 1, number_value = 2, string_value = 3, bool_value = 4, struct_value = 5, list_value = 6)
// and ListValue (repeated Value values = 1).
const FIELDS = 0x0a;
const ENTRY_KEY = 0x0a;
const ENTRY_VALUE = 0x12;
const NULL_VALUE = 0x08;
const NUMBER_VALUE = 0x11;
const STRING_VALUE = 0x1a;
const BOOL_VALUE = 0x20;
const STRUCT_VALUE = 0x2a;
const LIST_VALUE = 0x32;
const LIST_VALUES = 0x0a;

/**
 * The protobuf encoding of `value` as a `google.protobuf.Struct` field's payload (length prefix, then the message),
 * the same bytes the generic encoder writes, in one pass over a buffer sized beforehand. The generic encoder
 * builds a reflection object per nested value and costs far more than the rest of a guest; this is for JSON that
 * came out of `JSON.parse` (no `undefined`, no non-finite numbers).
 */
export function structFieldPayload(value: JsonObject): Uint8Array {
  const sizes = new Map<object, number>();
  const body = structSize(value, sizes);
  const out = Buffer.allocUnsafe(varintSize(body) + body);
  const writer = { out, pos: 0, sizes };
  writeVarint(writer, body);
  writeStruct(writer, value);
  return out;
}

interface Writer {
  readonly out: Buffer;
  pos: number;
  readonly sizes: Map<object, number>;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n >>>= 7;
    size++;
  }
  return size;
}

function delimited(size: number): number {
  return 1 + varintSize(size) + size;
}

function structSize(value: JsonObject, sizes: Map<object, number>): number {
  let size = 0;
  for (const key in value) {
    const entry = delimited(Buffer.byteLength(key)) + delimited(valueSize(value[key] as JsonValue, sizes));
    size += delimited(entry);
  }
  sizes.set(value, size);
  return size;
}

function listSize(value: readonly JsonValue[], sizes: Map<object, number>): number {
  let size = 0;
  for (const item of value) size += delimited(valueSize(item, sizes));
  sizes.set(value, size);
  return size;
}

/** Size of a Value message body. */
function valueSize(value: JsonValue, sizes: Map<object, number>): number {
  if (value === null) return 2;
  switch (typeof value) {
    case 'number':
      return 9;
    case 'boolean':
      return 2;
    case 'string':
      return delimited(Buffer.byteLength(value));
    default:
      return delimited(Array.isArray(value) ? listSize(value, sizes) : structSize(value, sizes));
  }
}

/** Like {@link valueSize}, reading the sizes of nested structs and lists measured before. */
function sizeOnceMeasured(value: JsonValue, sizes: Map<object, number>): number {
  return typeof value === 'object' && value !== null
    ? delimited(sizes.get(value) ?? 0)
    : valueSize(value, sizes);
}

function writeVarint(w: Writer, n: number): void {
  while (n >= 0x80) {
    w.out[w.pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  w.out[w.pos++] = n;
}

function writeString(w: Writer, tag: number, value: string): void {
  w.out[w.pos++] = tag;
  writeVarint(w, Buffer.byteLength(value));
  w.pos += w.out.write(value, w.pos, 'utf8');
}

function writeStruct(w: Writer, value: JsonObject): void {
  for (const key in value) {
    const item = value[key] as JsonValue;
    const itemSize = sizeOnceMeasured(item, w.sizes);
    w.out[w.pos++] = FIELDS;
    writeVarint(w, delimited(Buffer.byteLength(key)) + delimited(itemSize));
    writeString(w, ENTRY_KEY, key);
    w.out[w.pos++] = ENTRY_VALUE;
    writeVarint(w, itemSize);
    writeValue(w, item);
  }
}

function writeValue(w: Writer, value: JsonValue): void {
  if (value === null) {
    w.out[w.pos++] = NULL_VALUE;
    w.out[w.pos++] = 0;
    return;
  }
  switch (typeof value) {
    case 'number':
      w.out[w.pos++] = NUMBER_VALUE;
      w.pos = w.out.writeDoubleLE(value, w.pos);
      return;
    case 'boolean':
      w.out[w.pos++] = BOOL_VALUE;
      w.out[w.pos++] = value ? 1 : 0;
      return;
    case 'string':
      writeString(w, STRING_VALUE, value);
      return;
  }
  if (Array.isArray(value)) {
    w.out[w.pos++] = LIST_VALUE;
    writeVarint(w, w.sizes.get(value) ?? 0);
    for (const item of value) {
      w.out[w.pos++] = LIST_VALUES;
      writeVarint(w, sizeOnceMeasured(item, w.sizes));
      writeValue(w, item);
    }
    return;
  }
  w.out[w.pos++] = STRUCT_VALUE;
  writeVarint(w, w.sizes.get(value) ?? 0);
  writeStruct(w, value);
}
