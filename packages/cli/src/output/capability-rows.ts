import { wire } from '@hvc/client';
import type { Colors } from './colors.js';
import { enumWord, words } from './values.js';

/** One capability as `hvc targets describe` shows it: its contract name, what the target offers, and why not. */
interface CapabilityLine {
  readonly name: string;
  /** `yes`/`no`, or the values offered (guest types, console protocols). */
  readonly offered: boolean | readonly string[];
}

function lines(c: wire.Capabilities): CapabilityLine[] {
  return [
    { name: 'guestTypes', offered: c.guestTypes.map((t) => enumWord(wire.GuestType, t)) },
    { name: 'create', offered: c.create },
    { name: 'update', offered: c.update },
    { name: 'clone.full', offered: c.clone?.full ?? false },
    { name: 'clone.linked', offered: c.clone?.linked ?? false },
    { name: 'snapshots', offered: c.snapshots },
    { name: 'memorySnapshots', offered: c.memorySnapshots },
    { name: 'migration.offline', offered: c.migration?.offline ?? false },
    { name: 'migration.live', offered: c.migration?.live ?? false },
    { name: 'suspend', offered: c.suspend },
    { name: 'reset', offered: c.reset },
    { name: 'console', offered: c.console.map((p) => enumWord(wire.ConsoleProtocol, p)) },
    { name: 'metrics', offered: c.metrics },
    { name: 'cancelOperation', offered: c.cancelOperation },
  ];
}

/**
 * The rows of the capability table of `hvc targets describe`: CAPABILITY, OFFERED and NOTE, where the note is the
 * target's own (for the capability or its group) and what one guest type lacks (`container: no reset`).
 */
export function capabilityRows(capabilities: wire.Capabilities, colors: Colors): string[][] {
  return lines(capabilities).map(({ name, offered }) => {
    const group = name.split('.', 1)[0]!;
    const limits = capabilities.unsupportedByGuestType.flatMap((limit) => {
      const why = limit.unsupported[name];
      return why === undefined ? [] : [`${enumWord(wire.GuestType, limit.type)}: ${why}`];
    });
    const notes = [capabilities.notes[name] ?? capabilities.notes[group], ...limits].filter(
      (note): note is string => note !== undefined && note !== '',
    );
    const shown =
      typeof offered === 'boolean'
        ? offered
          ? colors.green('yes')
          : colors.dim('no')
        : offered.length === 0
          ? colors.dim('no')
          : words(offered);
    return [name, shown, notes.length === 0 ? '-' : notes.join('; ')];
  });
}
