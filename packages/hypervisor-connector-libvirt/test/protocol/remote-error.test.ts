import type { ErrorCode } from '@hvc/hypervisor-connector';
import { describe, expect, it } from 'vitest';
import type { VirNetMessageError } from '../../src/protocol/generated/virnet-protocol.gen.js';
import { VIR_FROM_RPC } from '../../src/rpc/libvirt-error-codes.js';
import { remoteErrorToHypervisorError } from '../../src/rpc/remote-error.js';

const error = (
  code: number,
  domain = 10,
  message: string | null = `libvirt says ${code}`,
): VirNetMessageError => ({
  code,
  domain,
  message,
  level: 2,
  dom: null,
  str1: null,
  str2: null,
  str3: null,
  int1: 0,
  int2: 0,
  net: null,
});
const map = (code: number, domain?: number) =>
  remoteErrorToHypervisorError(error(code, domain), {
    procedure: 'REMOTE_PROC_X',
    target: 'qemu+tcp://h/system',
  });

describe('libvirt error mapping', () => {
  it.each<[string, number, ErrorCode, boolean]>([
    ['NO_DOMAIN', 42, 'NOT_FOUND', false],
    ['NO_STORAGE_POOL', 49, 'NOT_FOUND', false],
    ['NO_STORAGE_VOL', 50, 'NOT_FOUND', false],
    ['NO_DOMAIN_SNAPSHOT', 72, 'NOT_FOUND', false],
    ['DOM_EXIST', 28, 'ALREADY_EXISTS', false],
    ['STORAGE_VOL_EXIST', 90, 'ALREADY_EXISTS', false],
    ['OPERATION_INVALID', 55, 'CONFLICT', false],
    ['INVALID_ARG', 8, 'INVALID_ARGUMENT', false],
    ['XML_ERROR', 27, 'INVALID_ARGUMENT', false],
    ['AUTH_FAILED', 45, 'UNAUTHENTICATED', false],
    ['AUTH_CANCELLED', 79, 'UNAUTHENTICATED', false],
    ['AUTH_UNAVAILABLE', 94, 'UNAUTHENTICATED', false],
    ['OPERATION_DENIED', 29, 'PERMISSION_DENIED', false],
    ['ACCESS_DENIED', 88, 'PERMISSION_DENIED', false],
    ['NO_SUPPORT', 3, 'UNSUPPORTED', false],
    ['CONFIG_UNSUPPORTED', 67, 'UNSUPPORTED', false],
    ['ARGUMENT_UNSUPPORTED', 74, 'UNSUPPORTED', false],
    ['OPERATION_UNSUPPORTED', 84, 'UNSUPPORTED', false],
    ['OPERATION_TIMEOUT', 68, 'TIMEOUT', true],
    ['OPERATION_ABORTED', 78, 'CANCELLED', false],
    ['MIGRATE_UNSAFE', 81, 'CONFLICT', false],
    ['RPC', 39, 'UNAVAILABLE', true],
    ['NO_CONNECT', 5, 'UNAVAILABLE', true],
    ['RESOURCE_BUSY', 87, 'CONFLICT', true],
    ['INTERNAL_ERROR', 1, 'INTERNAL', false],
    ['OPERATION_FAILED', 9, 'OPERATION_FAILED', false],
    ['an unknown code', 4242, 'OPERATION_FAILED', false],
  ])('%s (%i) → %s', (_name, code, expected, retryable) => {
    const mapped = map(code);
    expect(mapped.code).toBe(expected);
    expect(mapped.retryable).toBe(retryable);
    expect(mapped.message).toBe(`libvirt says ${code}`);
    expect(mapped.target).toBe('qemu+tcp://h/system');
    expect(mapped.details).toMatchObject({
      libvirtCode: code,
      libvirtDomain: 10,
      procedure: 'REMOTE_PROC_X',
    });
  });

  it('treats SYSTEM_ERROR as a connection problem only when libvirt’s RPC layer raised it', () => {
    expect(map(38, VIR_FROM_RPC)).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(map(38, 10)).toMatchObject({ code: 'OPERATION_FAILED', retryable: false });
  });

  it('explains why a migration is unsafe and marks a wrong state as not worth retrying', () => {
    expect(map(81).details?.reason).toMatch(/VIR_MIGRATE_NON_SHARED_DISK/);
    expect(map(55).details?.reason).toBe('wrong-state');
  });

  it('names the procedure when libvirt sent no message', () => {
    const mapped = remoteErrorToHypervisorError(error(42, 10, null), {
      procedure: 'REMOTE_PROC_DOMAIN_GET_INFO',
    });
    expect(mapped.message).toBe('libvirt error 42 in REMOTE_PROC_DOMAIN_GET_INFO');
  });
});
