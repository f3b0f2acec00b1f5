import { z } from 'zod';
import { type PveRecord, pveRecord, pveRecords } from './pve-record.js';
import { pveNumber, pveOptionalBoolean, pveOptionalNumber, pveOptionalString } from './pve-values.js';
import { guestConfigFields, guestPendingItemFields, guestStatusFields } from './record-fields.js';

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
 * `GET .../pending`: the config as it runs, and what waits for the guest's next start (see
 * {@link guestPendingItemFields}); read on every `getGuest`, so by plain readers.
 */
export const PveGuestPendingSchema = pveRecords(guestPendingItemFields);

/** A parsed `GET .../pending` item. */
export type PveGuestPendingItem = PveRecord<typeof guestPendingItemFields>;

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
