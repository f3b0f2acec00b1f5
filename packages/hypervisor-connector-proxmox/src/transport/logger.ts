/**
 * A logger the connector reports to: pino, a console wrapper and most structured loggers fit. Fields and messages
 * never hold secrets (parameters are redacted as on the diagnostics channels).
 */
export interface ProxmoxLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** The logger used when none is given. */
export const SILENT_LOGGER: ProxmoxLogger = Object.freeze({
  debug: () => undefined,
  warn: () => undefined,
});
