/**
 * Declarative parameter schemas for the fake's routes, shaped like the PVE API schema
 * (`apidata.json`): the same names (including indexed names such as `net[n]`), types and limits,
 * so a test can compare every route with the official schema.
 */

/** String formats the fake validates (a subset of PVE's registered formats). */
export type PveStringFormat =
  | 'pve-node'
  | 'pve-configid'
  | 'pve-configid-list'
  | 'pve-storage-id'
  | 'pve-poolid'
  | 'pve-userid'
  | 'dns-name'
  | 'urlencoded'
  | 'address-list'
  | 'pve-qm-ipconfig'
  | 'pve-qm-cicustom'
  | 'pve-qm-boot'
  | 'pve-task-status-type-list';

interface ParamBase {
  /** Absent or false: the parameter is required (PVE's schema marks the optional ones). */
  readonly optional?: boolean;
  /** For indexed parameters such as `net[n]`: the highest index plus one (`net0`..`net31` → 32). */
  readonly indexed?: number;
}

/** A string parameter. `pattern` is matched against the whole value. */
export interface StringParamSpec extends ParamBase {
  readonly type: 'string';
  readonly format?: PveStringFormat;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly minLength?: number;
  readonly maxLength?: number;
}

/** An integer parameter; `format: 'pve-vmid'` adds PVE's VM id format check. */
export interface IntegerParamSpec extends ParamBase {
  readonly type: 'integer';
  readonly format?: 'pve-vmid';
  readonly minimum?: number;
  readonly maximum?: number;
}

/** A floating point parameter. */
export interface NumberParamSpec extends ParamBase {
  readonly type: 'number';
  readonly minimum?: number;
  readonly maximum?: number;
}

/** A boolean parameter: `0`/`1` in form encoding, also `true`/`false` in a JSON body. */
export interface BooleanParamSpec extends ParamBase {
  readonly type: 'boolean';
}

/** One parameter of a route. */
export type ParamSpec = StringParamSpec | IntegerParamSpec | NumberParamSpec | BooleanParamSpec;

/** The parameters of a route by name (path placeholders included, as in PVE's schema). */
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** A validated parameter value. */
export type ParamValue = string | number | boolean;

/** Validated parameters by name; indexed parameters appear under their concrete names (`net0`). */
export type Params = Readonly<Record<string, ParamValue>>;

type Opts<T> = Omit<T, 'type'>;

/** An optional string parameter. */
export const str = (o: Opts<StringParamSpec> = {}): StringParamSpec => ({
  type: 'string',
  optional: true,
  ...o,
});
/** An optional integer parameter. */
export const int = (o: Opts<IntegerParamSpec> = {}): IntegerParamSpec => ({
  type: 'integer',
  optional: true,
  ...o,
});
/** An optional number parameter. */
export const num = (o: Opts<NumberParamSpec> = {}): NumberParamSpec => ({
  type: 'number',
  optional: true,
  ...o,
});
/** An optional boolean parameter. */
export const bool = (o: Opts<BooleanParamSpec> = {}): BooleanParamSpec => ({
  type: 'boolean',
  optional: true,
  ...o,
});
/** Marks a parameter as required. */
export const required = <T extends ParamSpec>(spec: T): T => ({ ...spec, optional: false });

/** The `{node}` path parameter. */
export const nodeParam = required(str({ format: 'pve-node' }));
/** A VM id (`vmid`, `newid`): integer 100..999999999 with PVE's id format. */
export const vmidParam = int({ format: 'pve-vmid', minimum: 100, maximum: 999_999_999 });
/** A snapshot name. */
export const snapnameParam = required(str({ format: 'pve-configid', maxLength: 40 }));
/** `{node}` + `{vmid}`: the path parameters of every per-guest route. */
export const guestPathParams = { node: nodeParam, vmid: required(vmidParam) } as const;
