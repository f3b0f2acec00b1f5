import { EXIT, type ExitCode } from './exit-codes.js';

/** A failure the CLI itself reports: its message goes to stderr as is, and the process exits with `exitCode`. */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    message: string,
    /** One of the {@link EXIT} codes. */
    readonly exitCode: ExitCode = EXIT.error,
    /** A line that says what to do about it, printed after the message. */
    readonly hint?: string,
  ) {
    super(message);
  }
}
