import { OperationIdSchema } from '@hvc/hypervisor-connector';
import { describe, expect, it } from 'vitest';
import { decodeOperationId, encodeOperationId } from '../../src/operations/operation-id.js';

const ref = {
  type: 'snapshot.rollback' as const,
  node: 'kvm-2',
  uuid: '6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab',
  startedAt: Date.UTC(2026, 11, 4, 12, 0, 0, 123),
  arg: 'before-upgrade',
  recordId: 'k8f2q1zx-17',
};

describe('operation ids', () => {
  it('carry type, node, guest, start, argument and record id, and read back exactly', () => {
    const id = encodeOperationId(ref);
    expect(id).toBe(
      `lv1:snapshot.rollback:kvm-2:${ref.uuid}:${ref.startedAt.toString(36)}:before-upgrade:k8f2q1zx-17`,
    );
    expect(decodeOperationId(id)).toEqual({ id, ...ref });
    expect(OperationIdSchema.safeParse(id).success).toBe(true);
    const empty = encodeOperationId({ ...ref, type: 'start', arg: '' });
    expect(decodeOperationId(empty)).toMatchObject({ type: 'start', arg: '' });
  });

  it.each([
    ['another connector’s id', 'UPID:pve1:0001:0002:65A0B1C2:qmstart:100:root@pam:'],
    ['an unknown type', encodeOperationId(ref).replace('snapshot.rollback', 'explode')],
    ['a guest that is no UUID', encodeOperationId(ref).replace(ref.uuid, 'vm-100')],
    ['a node that is no DNS label', encodeOperationId(ref).replace('kvm-2', 'kvm_2')],
    ['a part too many', `${encodeOperationId(ref)}:x`],
    ['another version', encodeOperationId(ref).replace('lv1:', 'lv2:')],
  ])('are not read from %s', (_what, id) => {
    expect(decodeOperationId(id)).toBeUndefined();
  });
});
