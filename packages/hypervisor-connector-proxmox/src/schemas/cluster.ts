import { z } from 'zod';
import { pveRecord } from './pve-record.js';
import { pveNumber, pveOptionalBoolean, pveOptionalNumber, pveOptionalString } from './pve-values.js';
import { clusterResourceFields } from './record-fields.js';

/** `GET /version`. */
export const PveVersionSchema = z.looseObject({
  version: z.string(),
  release: pveOptionalString,
  repoid: pveOptionalString,
});

/** One item of `GET /cluster/resources` (guests, nodes, storages, pools, SDN). */
const PveClusterResourceSchema = pveRecord(clusterResourceFields);

/** A parsed `/cluster/resources` item. */
export type PveClusterResource = z.output<typeof PveClusterResourceSchema>;

/** One item of `GET /cluster/status`: the cluster entry or a node entry. */
const PveClusterStatusItemSchema = z.looseObject({
  type: z.string(),
  id: pveOptionalString,
  name: pveOptionalString,
  nodeid: pveOptionalNumber,
  ip: pveOptionalString,
  online: pveOptionalBoolean,
  local: pveOptionalBoolean,
  quorate: pveOptionalBoolean,
  nodes: pveOptionalNumber,
});

/** `GET /cluster/status`. */
export const PveClusterStatusSchema = z.array(PveClusterStatusItemSchema);

/** A parsed `/cluster/status` item. */
export type PveClusterStatusItem = z.output<typeof PveClusterStatusItemSchema>;

/** `GET /cluster/nextid`: a string on real servers although the schema says integer. */
export const PveNextIdSchema = pveNumber;
