/**
 * Targets across organisations: a target's id is a name within its organisation, each row has a connector of its
 * own, and deleting a target ends its connector. Red-team cases 1 (deleted target, live connector) and 4 (a global
 * id namespace that tells one organisation which ids another uses), each over Connect JSON and gRPC.
 */
import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { GuestService, GuestType, OperationService, OperationStatus, TargetService } from '@hvc/client/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf } from '../support/call-code.js';
import { PROTOCOLS, type Protocol } from './support/raw-call.js';
import { type SecurityStack, startSecurityStack } from './support/security-stack.js';

let s: SecurityStack;
beforeAll(async () => {
  s = await startSecurityStack();
}, 30_000);
afterAll(async () => {
  await s.close();
});

function transport(p: Protocol): Transport {
  return p === 'connect'
    ? createConnectTransport({ baseUrl: s.url, httpVersion: '1.1' })
    : createGrpcTransport({ baseUrl: s.url });
}

async function as(user: Parameters<SecurityStack['token']>[0]) {
  return { headers: { authorization: `Bearer ${await s.token(user)}` } };
}

const CONFIG = { guests: [{ type: 'vm', name: 'shared-web' }], operationDurationMs: 1 };

describe.each(PROTOCOLS)('targets across organisations (%s)', (p) => {
  it('a target deleted and made again by another organisation, same id and config, shares nothing with the old one', async () => {
    const targets = createClient(TargetService, transport(p));
    const guests = createClient(GuestService, transport(p));
    const targetId = `reused-${p}`;
    const alice = await as('alice');
    await targets.createTarget({ targetId, kind: 'memory', config: CONFIG }, alice);
    const { operation } = await guests.createGuest(
      { targetId, spec: { type: GuestType.VM, name: 'acme-private' } },
      alice,
    );
    for await (const { operation: op } of createClient(OperationService, transport(p)).watchOperation(
      { targetId, operationId: operation!.id },
      alice,
    )) {
      if (op?.status !== OperationStatus.RUNNING) expect(op?.status).toBe(OperationStatus.SUCCEEDED);
    }
    expect((await guests.listGuests({ targetId }, alice)).guests.map((g) => g.name)).toContain(
      'acme-private',
    );
    await targets.deleteTarget({ targetId }, alice);

    const gadmin = await as('gadmin');
    await targets.createTarget({ targetId, kind: 'memory', config: CONFIG }, gadmin);
    const seen = (await guests.listGuests({ targetId }, gadmin)).guests.map((g) => g.name);
    expect(seen).toEqual(['shared-web']);
    await targets.deleteTarget({ targetId }, gadmin);
  });

  it('an id another organisation uses can be taken: its use is invisible, and each side sees only its own', async () => {
    const targets = createClient(TargetService, transport(p));
    const guests = createClient(GuestService, transport(p));
    const gadmin = await as('gadmin');
    const alice = await as('alice');
    const targetId = 'mem-a'; // acme's
    const created = await targets.createTarget(
      { targetId, kind: 'memory', config: { guests: [{ type: 'vm', name: 'globex-own' }] } },
      gadmin,
    );
    expect(created.target).toMatchObject({ id: targetId, organizationId: 'globex' });
    try {
      expect(
        (await targets.listTargets({}, gadmin)).targets.map((t) => `${t.organizationId}/${t.id}`).sort(),
      ).toEqual(['globex/mem-a', 'globex/mem-b']);
      expect((await guests.listGuests({ targetId }, gadmin)).guests.map((g) => g.name)).toEqual([
        'globex-own',
      ]);
      expect(await codeOf(guests.getGuest({ targetId, guestId: s.guests.a }, alice))).toBe('ok');
      expect((await guests.listGuests({ targetId }, alice)).guests.map((g) => g.name)).not.toContain(
        'globex-own',
      );
      // Naming acme does not reach acme's target: the caller's membership decides, not the request.
      expect(
        await codeOf(guests.getGuest({ targetId, organizationId: 'acme', guestId: s.guests.a }, gadmin)),
      ).toBe(Code.NotFound);
      expect(await codeOf(targets.createTarget({ targetId, kind: 'memory', config: {} }, gadmin))).toBe(
        Code.AlreadyExists,
      );
    } finally {
      await targets.deleteTarget({ targetId }, gadmin);
    }
    // Acme's target is untouched by the other's delete.
    expect(await codeOf(guests.getGuest({ targetId, guestId: s.guests.a }, alice))).toBe('ok');
  });

  it('a caller in two organisations that both use an id must say which one it means', async () => {
    const targets = createClient(TargetService, transport(p));
    const targetId = `both-${p}`;
    await targets.createTarget(
      { targetId, kind: 'memory', config: {}, displayName: 'acme' },
      await as('alice'),
    );
    await targets.createTarget(
      { targetId, kind: 'memory', config: {}, displayName: 'globex' },
      await as('gadmin'),
    );
    const twin = await as('twin'); // a viewer of acme, made a viewer of globex too
    if (!(await s.store.members.getMember('globex', s.userIds.twin))) {
      await s.store.members.addMember({
        organizationId: 'globex',
        issuer: s.a.issuer,
        subject: 'twin',
        role: 'viewer',
      });
    }
    const ambiguous = await targets.getTarget({ targetId }, twin).catch((e: unknown) => ConnectError.from(e));
    expect(ambiguous).toBeInstanceOf(ConnectError);
    expect((ambiguous as ConnectError).code).toBe(Code.InvalidArgument);
    expect((ambiguous as ConnectError).rawMessage).toContain('organization_id');
    const named = await targets.getTarget({ targetId, organizationId: 'globex' }, twin);
    expect(named.target).toMatchObject({ organizationId: 'globex', displayName: 'globex' });
    await targets.deleteTarget({ targetId }, await as('alice'));
    await targets.deleteTarget({ targetId }, await as('gadmin'));
  });
});
