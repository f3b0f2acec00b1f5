/**
 * EnsureGuest over real HTTP/2 and HTTP/1.1 with gRPC, gRPC-Web and Connect clients against a memory target: the
 * first call creates the guest, the same spec again changes nothing, a changed CPU count is reported with how it was
 * applied, a viewer cannot call it, another organisation's target is NOT_FOUND, two guests of one name are
 * FAILED_PRECONDITION, the call is audited without its cloud-init password, and an idempotency key replays it.
 */
import { randomUUID } from 'node:crypto';
import { toJson } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAY_HEADER } from '@hvc/client';
import {
  GuestChangeApplication,
  GuestChangeSchema,
  GuestService,
  GuestState,
  GuestType,
  OperationStatus,
} from '@hvc/client/v1';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorInfoSchema } from '../../src/gen/google/rpc/error_details_pb.js';
import { ERROR_INFO_DOMAIN } from '../../src/wire/error-mapping.js';
import { codeOf } from '../support/call-code.js';
import { TRANSPORTS } from '../support/protocol-transports.js';
import { securitySuite } from '../support/security-suite.js';

const PASSWORD = 'Ensur3-S3cret-Passw0rd';

const suite = securitySuite();

const { as } = suite;

/** A VM spec named `name` with a cloud-init password. */
const specOf = (name: string, cpus: number) => ({
  type: GuestType.VM,
  name,
  cpus,
  memoryMib: 512,
  tags: ['web'],
  cloudInit: { user: 'ops', password: PASSWORD },
});

describe.each(Object.keys(TRANSPORTS))('EnsureGuest over %s', (protocol) => {
  let guests: ReturnType<typeof createClient<typeof GuestService>>;
  const name = `ensured-${protocol}`;
  beforeAll(() => {
    guests = createClient(GuestService, TRANSPORTS[protocol]!(suite.stack.url));
  });

  it('creates the guest, then reports no change for the same spec and the CPU count when it changes', async () => {
    const first = await guests.ensureGuest({ targetId: 'mem-a', spec: specOf(name, 1) }, as('op'));
    expect(first.created).toBe(true);
    expect(first.changes).toEqual([]);
    expect(first.guest).toMatchObject({ name, targetId: 'mem-a', resources: { cpus: 1 } });
    expect(first.operations.map((o) => [o.type, o.status])).toEqual([['create', OperationStatus.SUCCEEDED]]);
    const guestId = first.guest!.id;

    const again = await guests.ensureGuest({ targetId: 'mem-a', spec: specOf(name, 1) }, as('op'));
    expect(again).toMatchObject({ created: false, changes: [], operations: [] });
    expect(again.guest?.id).toBe(guestId);

    const changed = await guests.ensureGuest({ targetId: 'mem-a', spec: specOf(name, 2) }, as('op'));
    expect(changed.created).toBe(false);
    expect(changed.changes.map((c) => toJson(GuestChangeSchema, c))).toEqual([
      { field: 'cpus', from: 1, to: 2, applied: 'GUEST_CHANGE_APPLICATION_NOW' },
    ]);
    expect(changed.guest?.resources?.cpus).toBe(2);

    // Started, a CPU change is written for the next start and reported so.
    const started = await guests.ensureGuest(
      { targetId: 'mem-a', spec: { ...specOf(name, 2), start: true } },
      as('op'),
    );
    expect(started.changes.map((c) => [c.field, c.applied])).toEqual([['state', GuestChangeApplication.NOW]]);
    expect(started.guest?.state).toBe(GuestState.RUNNING);
    const running = await guests.ensureGuest({ targetId: 'mem-a', spec: specOf(name, 3) }, as('op'));
    expect(running.changes.map((c) => [c.field, c.applied])).toEqual([
      ['cpus', GuestChangeApplication.ON_RESTART],
    ]);
  });

  it('refuses a viewer and another organisation, reaching no guest', async () => {
    const spec = specOf(`refused-${protocol}`, 1);
    expect(await codeOf(guests.ensureGuest({ targetId: 'mem-a', spec }, as('viewer')))).toBe(
      Code.PermissionDenied,
    );
    expect(await codeOf(guests.ensureGuest({ targetId: 'mem-a', spec }, as('gadmin')))).toBe(Code.NotFound);
    const list = await guests.listGuests(
      { targetId: 'mem-a', filter: { namePrefix: `refused-${protocol}` } },
      as('op'),
    );
    expect(list.guests).toEqual([]);
  });
});

describe('EnsureGuest', () => {
  const guests = () => createClient(GuestService, TRANSPORTS.connect!(suite.stack.url));

  it('answers FAILED_PRECONDITION with AMBIGUOUS_NAME when two guests share the name', async () => {
    const client = guests();
    for (let i = 0; i < 2; i++) {
      await client.createGuest(
        { targetId: 'mem-a', spec: { type: GuestType.VM, name: 'twin-vm' } },
        as('op'),
      );
    }
    const error = await client
      .ensureGuest({ targetId: 'mem-a', spec: { ...specOf('twin-vm', 4) } }, as('op'))
      .catch((e: unknown) => ConnectError.from(e));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.FailedPrecondition);
    expect((error as ConnectError).rawMessage).toContain('twin-vm');
    const [info] = (error as ConnectError).findDetails(ErrorInfoSchema);
    expect(info).toMatchObject({ reason: 'AMBIGUOUS_NAME', domain: ERROR_INFO_DOMAIN });
    // Nothing was changed: both guests keep the spec's absent CPU count of the create.
    const twins = await client.listGuests({ targetId: 'mem-a', filter: { namePrefix: 'twin-vm' } }, as('op'));
    expect(twins.guests.map((g) => g.resources?.cpus)).not.toContain(4);
  });

  it('is audited without the password, and a repeated idempotency key replays the first answer', async () => {
    const client = guests();
    const key = { [IDEMPOTENCY_KEY_HEADER]: randomUUID() };
    const replies: Record<string, string> = {};
    const first = await client.ensureGuest(
      { targetId: 'mem-a', spec: specOf('keyed-vm', 1) },
      { ...as('op', key), onHeader: (h) => (replies.first = h.get(IDEMPOTENT_REPLAY_HEADER) ?? '') },
    );
    // The same key again: the first answer replayed (a second run would answer `created: false`).
    const second = await client.ensureGuest(
      { targetId: 'mem-a', spec: specOf('keyed-vm', 1) },
      { ...as('op', key), onHeader: (h) => (replies.second = h.get(IDEMPOTENT_REPLAY_HEADER) ?? '') },
    );
    expect(first.created).toBe(true);
    expect(second.created).toBe(true);
    expect(second.guest?.id).toBe(first.guest?.id);
    expect(replies).toEqual({ first: '', second: 'true' });

    const audit = await suite.stack.store.audit.list({ limit: 1000, organizationId: 'acme' });
    const row = audit.find(
      (e) => e.action === 'hvc.v1.GuestService/EnsureGuest' && e.guestId === first.guest?.id,
    );
    expect(row?.targetId).toBe('mem-a');
    expect(JSON.stringify(audit)).not.toContain(PASSWORD);
    expect(suite.stack.logs.join('\n')).not.toContain(PASSWORD);
  });
});
