import { z } from 'zod';
import { PvePermissionsSchema, PveTicketSchema, PveTokenCreatedSchema, PveUserSchema } from './access.js';
import { PveClusterStatusItemSchema, PveNextIdSchema, PveVersionSchema } from './cluster.js';
import {
  PveConsoleProxySchema,
  PveGuestConfigSchema,
  PveGuestStatusSchema,
  PveSnapshotSchema,
  PveSpiceProxySchema,
} from './guests.js';
import {
  PveNetworkInterfaceSchema,
  PveNodeSchema,
  PveRrdPointSchema,
  PveStorageContentSchema,
  PveStorageSchema,
} from './nodes.js';
import { pveRecords } from './pve-record.js';
import { clusterResourceFields, guestStatusFields, taskListItemFields } from './record-fields.js';
import { PveTaskLogLineSchema, PveTaskStatusSchema } from './tasks.js';

const upid = z.string().startsWith('UPID:');

/**
 * The `data` schema of each PVE endpoint the connector knows, keyed by `METHOD /path/{template}` as in the PVE API
 * schema (`{type}` is `qemu` or `lxc`). Use one with `raw()` to get a typed answer for an endpoint the contract
 * does not cover.
 */
export const PVE_RESPONSE_SCHEMAS = {
  'GET /version': PveVersionSchema,
  'GET /cluster/status': z.array(PveClusterStatusItemSchema),
  'GET /cluster/resources': pveRecords(clusterResourceFields),
  'GET /cluster/nextid': PveNextIdSchema,
  'GET /nodes': z.array(PveNodeSchema),
  'GET /nodes/{node}/storage': z.array(PveStorageSchema),
  'GET /nodes/{node}/storage/{storage}/content': z.array(PveStorageContentSchema),
  'GET /nodes/{node}/network': z.array(PveNetworkInterfaceSchema),
  'GET /nodes/{node}/rrddata': z.array(PveRrdPointSchema),
  'GET /nodes/{node}/tasks': pveRecords(taskListItemFields),
  'GET /nodes/{node}/tasks/{upid}/status': PveTaskStatusSchema,
  'GET /nodes/{node}/tasks/{upid}/log': z.array(PveTaskLogLineSchema),
  'GET /nodes/{node}/{type}': pveRecords(guestStatusFields),
  'POST /nodes/{node}/{type}': upid,
  'GET /nodes/{node}/{type}/{vmid}/status/current': PveGuestStatusSchema,
  'POST /nodes/{node}/{type}/{vmid}/status/{action}': upid,
  'GET /nodes/{node}/{type}/{vmid}/config': PveGuestConfigSchema,
  'PUT /nodes/{node}/{type}/{vmid}/config': z.null(),
  'PUT /nodes/{node}/{type}/{vmid}/resize': z.union([upid, z.null()]),
  'DELETE /nodes/{node}/{type}/{vmid}': upid,
  'POST /nodes/{node}/{type}/{vmid}/clone': upid,
  'POST /nodes/{node}/{type}/{vmid}/migrate': upid,
  'GET /nodes/{node}/{type}/{vmid}/snapshot': z.array(PveSnapshotSchema),
  'POST /nodes/{node}/{type}/{vmid}/snapshot': upid,
  'PUT /nodes/{node}/{type}/{vmid}/snapshot/{snapname}/config': z.null(),
  'DELETE /nodes/{node}/{type}/{vmid}/snapshot/{snapname}': upid,
  'POST /nodes/{node}/{type}/{vmid}/snapshot/{snapname}/rollback': upid,
  'POST /nodes/{node}/{type}/{vmid}/vncproxy': PveConsoleProxySchema,
  'POST /nodes/{node}/{type}/{vmid}/termproxy': PveConsoleProxySchema,
  'POST /nodes/{node}/{type}/{vmid}/spiceproxy': PveSpiceProxySchema,
  'GET /nodes/{node}/{type}/{vmid}/rrddata': z.array(PveRrdPointSchema),
  'POST /access/ticket': PveTicketSchema,
  'GET /access/permissions': PvePermissionsSchema,
  'GET /access/users': z.array(PveUserSchema),
  'POST /access/users/{userid}/token/{tokenid}': PveTokenCreatedSchema,
} as const satisfies Record<string, z.ZodType>;

/** An endpoint key of {@link PVE_RESPONSE_SCHEMAS}. */
export type PveEndpoint = keyof typeof PVE_RESPONSE_SCHEMAS;

/** The parsed `data` type of an endpoint. */
export type PveData<E extends PveEndpoint> = z.output<(typeof PVE_RESPONSE_SCHEMAS)[E]>;
