import { z } from 'zod';
import { pveOptionalNumber, pveOptionalString } from './pve-values.js';

/** One item of `GET /nodes`. Offline nodes lack the usage fields. */
const PveNodeSchema = z.looseObject({
  node: z.string(),
  status: pveOptionalString,
  maxcpu: pveOptionalNumber,
  cpu: pveOptionalNumber,
  maxmem: pveOptionalNumber,
  mem: pveOptionalNumber,
  uptime: pveOptionalNumber,
  ssl_fingerprint: pveOptionalString,
});

/** `GET /nodes`. */
export const PveNodesSchema = z.array(PveNodeSchema);

/** A parsed `/nodes` item. */
export type PveNode = z.output<typeof PveNodeSchema>;

/** One point of `GET /nodes/{node}/rrddata` and the guest variants; keys are absent for periods without data. */
const PveRrdPointSchema = z.looseObject({
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

/** `GET .../rrddata` of a node or a guest. */
export const PveRrdDataSchema = z.array(PveRrdPointSchema);

/** A parsed RRD point. */
export type PveRrdPoint = z.output<typeof PveRrdPointSchema>;
