import { type ErrorCode, type HypervisorError, isHypervisorError } from '@hvc/hypervisor-connector';

/** Throws an assertion failure with `message`. */
export function fail(message: string): never {
  const error = new Error(message);
  error.name = 'AssertionError';
  throw error;
}

/**
 * Awaits `action` and returns the contract error it rejects with; fails when it resolves, throws something else, or
 * carries a code other than `code` (one of them, when a list is given).
 */
export async function expectError(
  action: Promise<unknown> | (() => Promise<unknown>),
  code: ErrorCode | readonly ErrorCode[],
  what: string,
): Promise<HypervisorError> {
  const codes: readonly ErrorCode[] = typeof code === 'string' ? [code] : code;
  let outcome: unknown;
  try {
    outcome = await (typeof action === 'function' ? action() : action);
  } catch (error) {
    if (!isHypervisorError(error)) {
      fail(`${what}: expected ${codes.join(' or ')}, got a non-contract error: ${describeThrown(error)}`);
    }
    if (!codes.includes(error.code)) {
      fail(`${what}: expected ${codes.join(' or ')}, got ${error.code}: ${error.message}`);
    }
    return error;
  }
  return fail(`${what}: expected ${codes.join(' or ')}, but it succeeded with ${preview(outcome)}`);
}

/** Awaits `action` and checks it fails with INVALID_ARGUMENT whose violations name `field` (or a field under it). */
export async function expectInvalidField(
  action: Promise<unknown> | (() => Promise<unknown>),
  field: string,
  what: string,
): Promise<HypervisorError> {
  const error = await expectError(action, 'INVALID_ARGUMENT', what);
  const violations = readViolations(error);
  const named = violations.some((v) => v.field === field || v.field.startsWith(`${field}.`));
  if (!named) {
    fail(`${what}: the INVALID_ARGUMENT violations do not name "${field}": ${JSON.stringify(violations)}`);
  }
  return error;
}

function readViolations(error: HypervisorError): { field: string }[] {
  const list = error.details?.violations;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (v): v is { field: string } => typeof v === 'object' && v !== null && typeof v.field === 'string',
  );
}

function describeThrown(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function preview(value: unknown): string {
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 200 ? `${text.slice(0, 197)}...` : text;
  } catch {
    return String(value);
  }
}
