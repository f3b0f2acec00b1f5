import { Code, ConnectError } from '@connectrpc/connect';
import { codeToString } from '@connectrpc/connect/protocol-connect';
import { CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { EXIT, type ExitCode, exitCodeOf } from './exit-codes.js';
import type { CliIo } from './io.js';
import { colorsFor } from './output/colors.js';
import { hvcProgram } from './program.js';

/** What to say about an API error beyond its message. */
function hintFor(error: ConnectError): string | undefined {
  if (error.code === Code.Unauthenticated) return 'log in again with `hvc login` (or check HVC_TOKEN)';
  return undefined;
}

/**
 * Runs `hvc` with `argv` (the arguments after the program name) and resolves with its exit code: 0 on success,
 * otherwise one of the stable {@link EXIT} codes. Errors are written to `io.stderr` with the server's message;
 * nothing is thrown and `process.exit` is never called, so it can be embedded and tested.
 *
 * @example
 * ```ts
 * import { processIo, runHvc } from '@hvc/cli';
 * process.exitCode = await runHvc(['targets', 'list', '-o', 'json'], processIo());
 * ```
 */
export async function runHvc(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const c = colorsFor(io.stderr, io.env);
  const report = (message: string, hint?: string) =>
    io.stderr.write(`${c.red('error')}: ${message}\n${hint === undefined ? '' : `${c.dim(hint)}\n`}`);
  try {
    await (await hvcProgram(io)).parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (thrown) {
    let error = thrown;
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    // A CliError thrown inside a call (no login, a refresh that failed) reaches here wrapped by the RPC layer.
    if (error instanceof ConnectError && error.cause instanceof CliError) error = error.cause;
    if (error instanceof CliError) {
      report(error.message, error.hint);
      return error.exitCode;
    }
    if (error instanceof ConnectError) {
      if (io.signal.aborted) return EXIT.interrupted;
      // A 401 before the RPC layer carries no message of the server's own.
      const message =
        error.code === Code.Unauthenticated && /^HTTP \d{3}$/.test(error.rawMessage)
          ? 'the server refused the token'
          : error.rawMessage;
      report(`${message} [${codeToString(error.code)}]`, hintFor(error));
      return exitCodeOf(error);
    }
    if (io.signal.aborted) return EXIT.interrupted;
    report(error instanceof Error ? error.message : String(error));
    return EXIT.error;
  }
}
