import { wire } from '@hvc/client';
import { Presets, SingleBar } from 'cli-progress';
import type { OutputStream } from '../io.js';
import type { Colors } from './colors.js';
import { enumWord } from './values.js';

/** Shows an operation as it runs. */
export interface OperationProgress {
  update(operation: wire.Operation): void;
  /** Removes the live bar's cursor state; leaves its last line in place. */
  stop(): void;
}

/** The phase an operation is in, as shown beside the bar: `start qemu/100: running`. */
function phase(operation: wire.Operation): string {
  const subject = operation.guestId === undefined ? '' : ` ${operation.guestId}`;
  return `${operation.type}${subject}: ${enumWord(wire.OperationStatus, operation.status)}`;
}

/**
 * On a terminal, a live bar on stderr: `████░░░░ 40% | start qemu/100: running | 3s` (percent `--` while the
 * hypervisor reports none; elapsed time ticks by itself). Elsewhere, one line per change of phase or percent, so a
 * log shows what happened without carriage returns.
 */
export function operationProgress(stderr: OutputStream, colors: Colors): OperationProgress {
  // A succeeded operation is done, whether or not the hypervisor reported progress on the way.
  const fraction = (operation: wire.Operation) =>
    operation.status === wire.OperationStatus.SUCCEEDED ? 1 : operation.progress;
  const percent = (operation: wire.Operation) => {
    const done = fraction(operation);
    return done === undefined ? '--' : `${Math.round(done * 100)}%`;
  };
  if (stderr.isTTY !== true) {
    let last = '';
    return {
      update(operation) {
        const line = `${phase(operation)} ${percent(operation)}`;
        if (line !== last) stderr.write(`${line}\n`);
        last = line;
      },
      stop() {},
    };
  }
  const bar = new SingleBar(
    {
      stream: stderr as NodeJS.WritableStream,
      format: `${colors.cyan('{bar}')} {percent} | {phase} | {duration_formatted}`,
      barsize: 30,
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(operation) {
      const value = Math.round((fraction(operation) ?? 0) * 100);
      const payload = { percent: percent(operation).padStart(4), phase: phase(operation) };
      if (!started) bar.start(100, value, payload);
      else bar.update(value, payload);
      started = true;
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
