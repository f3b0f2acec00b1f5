import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { timestampMs } from '@bufbuild/protobuf/wkt';

/** An API enum value as a lower-case word (`wire.GuestState.RUNNING` → `running`), `-` when unspecified. */
export function enumWord(names: Record<number, string>, value: number): string {
  const name = names[value];
  return name === undefined || name === 'UNSPECIFIED' ? '-' : name.toLowerCase().replace(/_/g, ' ');
}

/** A duration as kubectl writes ages: `42s`, `5m`, `3h`, `12d`. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 120 * 60) return `${Math.floor(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** How long ago a timestamp was, as {@link shortDuration}; `-` when absent. */
export function age(timestamp: Timestamp | undefined, now = Date.now()): string {
  return timestamp === undefined ? '-' : shortDuration(now - timestampMs(timestamp));
}

/** A byte count in binary units (`512 MiB`, `4.0 GiB`); `-` when absent. */
export function bytes(value: bigint | undefined): string {
  if (value === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let n = Number(value);
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) {
    n /= 1024;
    unit++;
  }
  return unit === 0 || n >= 10 || Number.isInteger(n)
    ? `${Math.round(n)} ${units[unit]}`
    : `${n.toFixed(1)} ${units[unit]}`;
}

/** A list as comma-separated words, `-` when empty. */
export function words(values: readonly string[]): string {
  return values.length === 0 ? '-' : values.join(',');
}
