import { z } from 'zod';
import { PvePermissionsSchema, PveTicketSchema } from '../../src/schemas/access.js';
import { PveClusterStatusSchema, PveNextIdSchema, PveVersionSchema } from '../../src/schemas/cluster.js';
import {
  PveConsoleProxySchema,
  PveGuestConfigSchema,
  PveGuestPendingSchema,
  PveGuestStatusSchema,
  PveSnapshotsSchema,
} from '../../src/schemas/guests.js';
import { PveNodesSchema, PveRrdDataSchema } from '../../src/schemas/nodes.js';
import { pveRecords } from '../../src/schemas/pve-record.js';
import { pveOptionalBoolean, pveOptionalNumber, pveOptionalString } from '../../src/schemas/pve-values.js';
import {
  clusterResourceFields,
  guestStatusFields,
  taskListItemFields,
} from '../../src/schemas/record-fields.js';
import { PveTaskLogSchema, PveTaskStatusSchema, PveUpidSchema } from '../../src/schemas/tasks.js';

// Answers of endpoints the connector itself never calls, for the recorded samples of them (and `raw()` tests).
const PveUserSchema = z.looseObject({
  userid: z.string(),
  enable: pveOptionalBoolean,
  expire: pveOptionalNumber,
});
const PveTokenCreatedSchema = z.looseObject({
  'full-tokenid': z.string(),
  value: z.string(),
  info: z.looseObject({ privsep: pveOptionalBoolean }).optional(),
});
const PveSpiceProxySchema = z.looseObject({
  password: z.string(),
  host: pveOptionalString,
  proxy: pveOptionalString,
  'tls-port': pveOptionalNumber,
  type: pveOptionalString,
});
const PveStorageSchema = z.looseObject({
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
const PveStorageContentSchema = z.looseObject({
  volid: z.string(),
  content: pveOptionalString,
  format: pveOptionalString,
  size: pveOptionalNumber,
  vmid: pveOptionalNumber,
  ctime: pveOptionalNumber,
});
const PveNetworkInterfaceSchema = z.looseObject({
  iface: z.string(),
  type: z.string(),
  active: pveOptionalBoolean,
  autostart: pveOptionalBoolean,
  cidr: pveOptionalString,
  bridge_ports: pveOptionalString,
  bridge_vlan_aware: pveOptionalBoolean,
});

const upid = PveUpidSchema;

/**
 * The `data` schema of each PVE endpoint with recorded samples, keyed by `METHOD /path/{template}` as in the PVE
 * API schema (`{type}` is `qemu` or `lxc`): the connector's own schemas, checked against what real servers sent.
 */
export const PVE_RESPONSE_SCHEMAS = {
  'GET /version': PveVersionSchema,
  'GET /cluster/status': PveClusterStatusSchema,
  'GET /cluster/resources': pveRecords(clusterResourceFields),
  'GET /cluster/nextid': PveNextIdSchema,
  'GET /nodes': PveNodesSchema,
  'GET /nodes/{node}/storage': z.array(PveStorageSchema),
  'GET /nodes/{node}/storage/{storage}/content': z.array(PveStorageContentSchema),
  'GET /nodes/{node}/network': z.array(PveNetworkInterfaceSchema),
  'GET /nodes/{node}/rrddata': PveRrdDataSchema,
  'GET /nodes/{node}/tasks': pveRecords(taskListItemFields),
  'GET /nodes/{node}/tasks/{upid}/status': PveTaskStatusSchema,
  'GET /nodes/{node}/tasks/{upid}/log': PveTaskLogSchema,
  'GET /nodes/{node}/{type}': pveRecords(guestStatusFields),
  'POST /nodes/{node}/{type}': upid,
  'GET /nodes/{node}/{type}/{vmid}/status/current': PveGuestStatusSchema,
  'POST /nodes/{node}/{type}/{vmid}/status/{action}': upid,
  'GET /nodes/{node}/{type}/{vmid}/config': PveGuestConfigSchema,
  'PUT /nodes/{node}/{type}/{vmid}/config': z.null(),
  'GET /nodes/{node}/{type}/{vmid}/pending': PveGuestPendingSchema,
  'PUT /nodes/{node}/{type}/{vmid}/resize': z.union([upid, z.null()]),
  'DELETE /nodes/{node}/{type}/{vmid}': upid,
  'POST /nodes/{node}/{type}/{vmid}/clone': upid,
  'POST /nodes/{node}/{type}/{vmid}/migrate': upid,
  'GET /nodes/{node}/{type}/{vmid}/snapshot': PveSnapshotsSchema,
  'POST /nodes/{node}/{type}/{vmid}/snapshot': upid,
  'PUT /nodes/{node}/{type}/{vmid}/snapshot/{snapname}/config': z.null(),
  'DELETE /nodes/{node}/{type}/{vmid}/snapshot/{snapname}': upid,
  'POST /nodes/{node}/{type}/{vmid}/snapshot/{snapname}/rollback': upid,
  'POST /nodes/{node}/{type}/{vmid}/vncproxy': PveConsoleProxySchema,
  'POST /nodes/{node}/{type}/{vmid}/termproxy': PveConsoleProxySchema,
  'POST /nodes/{node}/{type}/{vmid}/spiceproxy': PveSpiceProxySchema,
  'GET /nodes/{node}/{type}/{vmid}/rrddata': PveRrdDataSchema,
  'POST /access/ticket': PveTicketSchema,
  'GET /access/permissions': PvePermissionsSchema,
  'GET /access/users': z.array(PveUserSchema),
  'POST /access/users/{userid}/token/{tokenid}': PveTokenCreatedSchema,
} as const satisfies Record<string, z.ZodType>;

/** An endpoint key of {@link PVE_RESPONSE_SCHEMAS}. */
export type PveEndpoint = keyof typeof PVE_RESPONSE_SCHEMAS;
