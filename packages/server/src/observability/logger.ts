import { type Logger, pino } from 'pino';

/** Paths pino replaces with `[redacted]`: credentials and tokens wherever they appear in a log record. */
export const REDACTED_PATHS = [
  'authorization',
  'token',
  'password',
  'secret',
  'credentials',
  '*.authorization',
  '*.token',
  '*.password',
  '*.secret',
  '*.credentials',
  '*.headers.authorization',
  'adminToken',
  'viewerToken',
  'otherOrgToken',
];

/** The server's JSON logger, with secrets redacted. `destination` defaults to stdout. */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      name: 'hvc-server',
      level: options.level ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    options.destination ?? process.stdout,
  );
}

/** The server's logger type (pino's). */
export type { Logger };
