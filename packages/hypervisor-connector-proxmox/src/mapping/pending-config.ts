import { type PveGuestConfig, PveGuestConfigSchema, type PveGuestPendingItem } from '../schemas/guests.js';
import { type DirectReader, directReader } from '../schemas/pve-record.js';

/** The config schema's plain reader: this runs on every `getGuest`. */
const readConfig = directReader(PveGuestConfigSchema) as DirectReader;

/** A guest config split as PVE keeps it: the section the guest runs with, and its `[PENDING]` changes. */
export interface SplitConfig {
  /** The current section (what `GET .../config?current=1` returns), with the file's `digest`. */
  readonly current: PveGuestConfig;
  /** Keys with a pending value (applied when the guest next starts), as PVE wrote them. */
  readonly pending: Readonly<Record<string, string | number>>;
  /** Keys pending deletion. */
  readonly deletes: readonly string[];
}

/**
 * The current config and the pending changes from `GET .../pending`. A running VM keeps `cores`, `sockets` and
 * (without memory hotplug) `memory` changes pending until it restarts (qemu-server `vmconfig_hotplug_pending`), so its
 * current section is what it runs with; `GET .../config` without `current=1` would merge the pending values in.
 */
export function splitPendingConfig(items: readonly PveGuestPendingItem[]): SplitConfig {
  const current: Record<string, string | number> = {};
  const pending: Record<string, string | number> = {};
  const deletes: string[] = [];
  for (const item of items) {
    if (item.value !== undefined) current[item.key] = item.value;
    if (item.pending !== undefined) pending[item.key] = item.pending;
    if (item.delete !== undefined && item.delete > 0) deletes.push(item.key);
  }
  const read = readConfig(current);
  // A bad value fails as the schema does: its parse throws the same issue.
  const config = 'value' in read ? (read.value as PveGuestConfig) : PveGuestConfigSchema.parse(current);
  return { current: config, pending, deletes };
}
