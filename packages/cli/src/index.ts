/**
 * `hvc`, the command line for hvc-server, as a library: {@link runHvc} runs it with any arguments and streams and
 * resolves with its exit code (the `hvc` bin is `runHvc(process.argv.slice(2), processIo())`). Built on
 * `@hvc/client`; nothing of the server is in its module graph.
 *
 * @packageDocumentation
 */
export { CliError } from './cli-error.js';
export { EXIT, type ExitCode } from './exit-codes.js';
export { type CliIo, type OutputStream, processIo } from './io.js';
export { runHvc } from './run-hvc.js';
