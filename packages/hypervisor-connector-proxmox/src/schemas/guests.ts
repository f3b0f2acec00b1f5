import { z } from 'zod';
import { pveRecord } from './pve-record.js';
import { pveNumber, pveOptionalBoolean, pveOptionalNumber, pveOptionalString } from './pve-values.js';
import { guestConfigFields, guestStatusFields } from './record-fields.js';

/** One item of `GET /nodes/{node}/qemu` or `/lxc`, and `GET .../status/current` of either. */
export const PveGuestStatusSchema = pveRecord(guestStatusFields);

/** A parsed guest status. */
export type PveGuestStatus = z.output<typeof PveGuestStatusSchema>;

/**
 * `GET .../config` of a VM or container: a flat map of config keys plus `digest`. Integer keys come as numbers,
 * the rest as strings (`memory` is a string since PVE 8.1), so every value is kept as it came and read through
 * the helpers of the mapping.
 */
export const PveGuestConfigSchema = pveRecord(guestConfigFields);

/** A parsed guest config. */
export type PveGuestConfig = z.output<typeof PveGuestConfigSchema>;

/**
 * One item of `GET .../pending` (pve-guest-common `PVE::GuestHelpers::config_with_pending_array`): a config key with
 * its current `value`, its `pending` value, or `delete` (1, or 2 with `force`) when it is to go.
 */
const PveGuestPendingItemSchema = z.looseObject({
  key: z.string(),
  value: z.union([z.string(), z.number()]).optional(),
  pending: z.union([z.string(), z.number()]).optional(),
  delete: pveOptionalNumber,
});

/** `GET .../pending`: the config as it runs, and what waits for the guest's next start. */
export const PveGuestPendingSchema = z.array(PveGuestPendingItemSchema);

/** A parsed `GET .../pending` item. */
export type PveGuestPendingItem = z.output<typeof PveGuestPendingItemSchema>;

/** One item of `GET .../snapshot`, including the synthetic `current` entry. */
const PveSnapshotSchema = z.looseObject({
  name: z.string(),
  description: pveOptionalString,
  snaptime: pveOptionalNumber,
  vmstate: pveOptionalBoolean,
  parent: pveOptionalString,
});

/** `GET .../snapshot`. */
export const PveSnapshotsSchema = z.array(PveSnapshotSchema);

/** A parsed snapshot item. */
export type PveSnapshot = z.output<typeof PveSnapshotSchema>;

/** `POST .../vncproxy` and `.../termproxy`: the port comes as a string on real servers. */
export const PveConsoleProxySchema = z.looseObject({
  ticket: z.string(),
  port: pveNumber,
  user: pveOptionalString,
  upid: pveOptionalString,
  cert: pveOptionalString,
  password: pveOptionalString,
});
