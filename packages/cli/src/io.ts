/** A stream the CLI writes to; `isTTY` and `columns` decide tables, colours and progress bars. */
export interface OutputStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Everything the CLI reads from and writes to its process, so that it can run inside another program or a test. */
export interface CliIo {
  /** Results: tables, JSON, YAML. */
  readonly stdout: OutputStream;
  /** Prompts, progress, errors and `--debug` lines. */
  readonly stderr: OutputStream;
  /** Secrets given with `--with-token`, `--password-stdin` or `--credentials-file -`. */
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl+C: waits and watches stop, and the command exits 130 (0 for `--watch`). */
  readonly signal: AbortSignal;
}

/** The current process's streams and environment, with a signal aborted on SIGINT. */
export function processIo(): CliIo {
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort(new Error('interrupted')));
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    signal: interrupt.signal,
  };
}

/** Reads all of `stream` as UTF-8, without the trailing newline. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) text += chunk as string;
  return text.replace(/\r?\n$/, '');
}
