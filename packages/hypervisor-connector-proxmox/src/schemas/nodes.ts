import { z } from 'zod';
import { pveOptionalBoolean, pveOptionalNumber, pveOptionalString } from './pve-values.js';

/** One item of `GET /nodes`. Offline nodes lack the usage fields. */
export const PveNodeSchema = z.looseObject({
  node: z.string(),
  status: pveOptionalString,
  maxcpu: pveOptionalNumber,
  cpu: pveOptionalNumber,
  maxmem: pveOptionalNumber,
  mem: pveOptionalNumber,
  uptime: pveOptionalNumber,
  ssl_fingerprint: pveOptionalString,
});

/** A parsed `/nodes` item. */
export type PveNode = z.output<typeof PveNodeSchema>;

/** One item of `GET /nodes/{node}/storage`. */
export const PveStorageSchema = z.looseObject({
  storage: z.string(),
  type: pveOptionalString,
  content: pveOptionalString,
  active: pveOptionalBoolean,
  enabled: pveOptionalBoolean,
  shared: pveOptionalBoolean,
  total: pveOptionalNumber,
  used: pveOptionalNumber,
  avail: pveOptionalNumber,
});

/** A parsed storage item. */
export type PveStorage = z.output<typeof PveStorageSchema>;

/** One item of `GET /nodes/{node}/storage/{storage}/content`. */
export const PveStorageContentSchema = z.looseObject({
  volid: z.string(),
  content: pveOptionalString,
  format: pveOptionalString,
  size: pveOptionalNumber,
  vmid: pveOptionalNumber,
  ctime: pveOptionalNumber,
});

/** One item of `GET /nodes/{node}/network` (many numeric values are strings there). */
export const PveNetworkInterfaceSchema = z.looseObject({
  iface: z.string(),
  type: z.string(),
  active: pveOptionalBoolean,
  autostart: pveOptionalBoolean,
  cidr: pveOptionalString,
  bridge_ports: pveOptionalString,
  bridge_vlan_aware: pveOptionalBoolean,
});

/** One point of `GET /nodes/{node}/rrddata` and the guest variants; keys are absent for periods without data. */
export const PveRrdPointSchema = z.looseObject({
  time: z.number(),
  cpu: pveOptionalNumber,
  maxcpu: pveOptionalNumber,
  mem: pveOptionalNumber,
  maxmem: pveOptionalNumber,
  netin: pveOptionalNumber,
  netout: pveOptionalNumber,
  diskread: pveOptionalNumber,
  diskwrite: pveOptionalNumber,
});

/** A parsed RRD point. */
export type PveRrdPoint = z.output<typeof PveRrdPointSchema>;
