import { describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  CancelledError,
  ConflictError,
  ERROR_CODES,
  HypervisorError,
  InternalError,
  InvalidArgumentError,
  isErrorCode,
  isHypervisorError,
  NotFoundError,
  OperationFailedError,
  PermissionDeniedError,
  TimeoutError,
  toHypervisorError,
  UnauthenticatedError,
  UnavailableError,
  UnsupportedOperationError,
} from '../src/index.js';

describe('HypervisorError', () => {
  it('has a subclass for every code, each carrying its code and name', () => {
    const made = [
      new NotFoundError('x'),
      new AlreadyExistsError('x'),
      new ConflictError('x'),
      new PermissionDeniedError('x'),
      new UnauthenticatedError('x'),
      new InvalidArgumentError('x'),
      new UnavailableError('x'),
      new TimeoutError('x'),
      new CancelledError('x'),
      new UnsupportedOperationError('snapshots'),
      new OperationFailedError('x'),
      new InternalError('x'),
    ];
    expect(made.map((e) => e.code).sort()).toEqual([...ERROR_CODES].sort());
    for (const error of made) {
      expect(error).toBeInstanceOf(HypervisorError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(error.constructor.name);
      expect(isHypervisorError(error, error.code)).toBe(true);
    }
  });

  it('is retryable by default only for CONFLICT, UNAVAILABLE and TIMEOUT, and the default can be overridden', () => {
    const retryable = ERROR_CODES.filter((code) => new HypervisorError(code, 'm').retryable);
    expect(retryable).toEqual(['CONFLICT', 'UNAVAILABLE', 'TIMEOUT']);
    expect(new ConflictError('m', { retryable: false }).retryable).toBe(false);
    expect(new InternalError('m', { retryable: true }).retryable).toBe(true);
  });

  it('says when a write may have been applied, and is then not retryable unless told so', () => {
    const lost = new UnavailableError('the connection broke after the request was sent', {
      mayHaveBeenApplied: true,
    });
    expect(lost.mayHaveBeenApplied).toBe(true);
    expect(lost.retryable).toBe(false);
    expect(lost.toJSON()).toMatchObject({ code: 'UNAVAILABLE', mayHaveBeenApplied: true, retryable: false });
    expect(new UnavailableError('refused', { mayHaveBeenApplied: true, retryable: true }).retryable).toBe(
      true,
    );
    expect(new UnavailableError('refused').mayHaveBeenApplied).toBe(false);
    expect(new UnavailableError('refused').toJSON()).not.toHaveProperty('mayHaveBeenApplied');
  });

  it('is recognised across duplicate copies of the package through the Symbol.for marker', () => {
    // A copy of the package makes its own class; only the global symbol is shared.
    const foreign = Object.assign(new Error('from another copy'), { code: 'NOT_FOUND' });
    expect(isHypervisorError(foreign)).toBe(false);
    Object.defineProperty(foreign, Symbol.for('hvc.hypervisor-error'), { value: true });
    expect(isHypervisorError(foreign)).toBe(true);
    expect(NotFoundError.isInstance(foreign)).toBe(true);
    expect(ConflictError.isInstance(foreign)).toBe(false);
    expect(isHypervisorError({ code: 'NOT_FOUND' })).toBe(false);
    expect(isHypervisorError(null)).toBe(false);
  });

  it('keeps cause, target, operation and details, and serialises without the cause', () => {
    const cause = new Error('socket hang up: password=hunter2');
    const error = new UnavailableError('pve1 is down', {
      cause,
      target: 'pve-eu-1',
      operationId: 'op-1',
      details: { status: 595 },
    });
    expect(error.cause).toBe(cause);
    const json = JSON.parse(JSON.stringify(error));
    expect(json).toEqual({
      name: 'UnavailableError',
      code: 'UNAVAILABLE',
      message: 'pve1 is down',
      retryable: true,
      target: 'pve-eu-1',
      operationId: 'op-1',
      details: { status: 595 },
    });
    expect(JSON.stringify(error)).not.toContain('hunter2');
  });

  it('carries field violations on INVALID_ARGUMENT and the capability on UNSUPPORTED', () => {
    const invalid = new InvalidArgumentError('bad', {
      violations: [{ field: 'cpus', message: 'too small' }],
    });
    expect(invalid.violations).toEqual([{ field: 'cpus', message: 'too small' }]);
    expect(invalid.details).toEqual({ violations: [{ field: 'cpus', message: 'too small' }] });
    const unsupported = new UnsupportedOperationError('clone.linked');
    expect(unsupported.capability).toBe('clone.linked');
    expect(unsupported.message).toBe('unsupported: clone.linked');
    expect(unsupported.details).toEqual({ capability: 'clone.linked' });
  });

  it('validates codes', () => {
    expect(isErrorCode('NOT_FOUND')).toBe(true);
    expect(isErrorCode('not_found')).toBe(false);
    expect(isErrorCode(3)).toBe(false);
  });
});

describe('toHypervisorError', () => {
  it('passes contract errors through unchanged', () => {
    const error = new NotFoundError('gone');
    expect(toHypervisorError(error)).toBe(error);
  });

  it('maps aborts to CANCELLED and timeouts to TIMEOUT', () => {
    const abort = new DOMException('aborted', 'AbortError');
    expect(toHypervisorError(abort).code).toBe('CANCELLED');
    expect(toHypervisorError(new DOMException('t', 'TimeoutError')).code).toBe('TIMEOUT');
  });

  it('wraps anything else as INTERNAL with the original as cause and the target', () => {
    const original = new TypeError('boom');
    const wrapped = toHypervisorError(original, 'pve-eu-1');
    expect(wrapped.code).toBe('INTERNAL');
    expect(wrapped.cause).toBe(original);
    expect(wrapped.target).toBe('pve-eu-1');
    expect(toHypervisorError('a string').message).toBe('a string');
  });
});
