import type { OutputStream } from '../io.js';
import { createPrinter, type Printer } from '../output/printer.js';
import type { CommandRun } from './command-run.js';

/** A stream that keeps what is written to it. */
function capture(like: OutputStream): OutputStream & { text: string } {
  const sink = {
    text: '',
    isTTY: like.isTTY,
    columns: like.columns,
    write(chunk: string) {
      sink.text += chunk;
      return true;
    },
  };
  return sink;
}

/**
 * Lists once, or with `--watch` again every `--interval` seconds until Ctrl+C (then exits 0), printing the list
 * whenever it changed: on a terminal the screen is redrawn under a header line, elsewhere each new version is
 * appended (one JSON document per change with `-o json`).
 */
export async function listOrWatch(run: CommandRun, list: (printer: Printer) => Promise<void>): Promise<void> {
  if (!run.flags.watch) {
    await list(run.printer);
    return;
  }
  const seconds = run.flags.interval as number;
  const { stdout } = run.io;
  let previous: string | undefined;
  while (!run.io.signal.aborted) {
    const out = capture(stdout);
    await list(createPrinter(run.flags.output, out, out, run.out)).catch((error: unknown) => {
      if (!run.io.signal.aborted) throw error;
    });
    if (run.io.signal.aborted) break;
    if (out.text !== previous) {
      if (stdout.isTTY) {
        const header = run.out.dim(`Every ${seconds}s · ${new Date().toLocaleTimeString()} · Ctrl+C to stop`);
        stdout.write(`\x1b[H\x1b[2J${header}\n\n${out.text}`);
      } else {
        stdout.write(out.text);
      }
      previous = out.text;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, seconds * 1000);
      run.io.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}
