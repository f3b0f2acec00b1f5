import type { RemoteTypedParam } from '../protocol/generated/remote-protocol.gen.js';

/** A typed parameter's value: numbers for ints and doubles, bigints for 64-bit ints, booleans, strings. */
export type TypedParamValue = number | bigint | boolean | string;

/** The value of one typed parameter. */
function typedParamValue(param: RemoteTypedParam): TypedParamValue {
  const value = param.value;
  switch (value.type) {
    case 1:
      return value.i;
    case 2:
      return value.ui;
    case 3:
      return value.l;
    case 4:
      return value.ul;
    case 5:
      return value.d;
    case 6:
      return value.b !== 0;
    case 7:
      return value.s;
  }
}

/** Typed parameters as a map by field name. */
export function typedParamMap(params: readonly RemoteTypedParam[]): Map<string, TypedParamValue> {
  return new Map(params.map((param) => [param.field, typedParamValue(param)]));
}

/** A numeric typed parameter as a number (`undefined` when absent or not numeric). */
export function numberParam(params: ReadonlyMap<string, TypedParamValue>, field: string): number | undefined {
  const value = params.get(field);
  return typeof value === 'number' || typeof value === 'bigint' ? Number(value) : undefined;
}

/** An unsigned 64-bit parameter, for the wire. */
export function ullongParam(field: string, value: bigint | number): RemoteTypedParam {
  return { field, value: { type: 4, ul: BigInt(value) } };
}
