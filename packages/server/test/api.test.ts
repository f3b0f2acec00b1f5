import { randomBytes } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import {
  GuestService,
  GuestSpecSchema,
  GuestState,
  GuestType,
  MemberService,
  OperationService,
  OperationStatus,
  Role,
  SnapshotService,
  TargetService,
} from '@hvc/client/v1';
import { memoryConnectorFactory } from '@hvc/hypervisor-connector-memory';
import { createResolver } from '@hvc/hypervisor-resolver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../src/authn/authenticator.js';
import { createOidcVerifier } from '../src/authn/oidc-verifier.js';
import { createDatabaseAuthorizer } from '../src/authz/database-authorizer.js';
import { ServerReflection } from '../src/gen/grpc/reflection/v1/reflection_pb.js';
import { createHvcHandler } from '../src/http/hvc-handler.js';
import { listenOnePort, type OnePortServer } from '../src/http/one-port-server.js';
import { createCredentialCipher } from '../src/storage/credential-cipher.js';
import { type HvcStore, openSqliteStore } from '../src/storage/hvc-store.js';
import { codeOf } from './support/call-code.js';
import { startTestIssuer, type TestIssuer } from './support/test-issuer.js';

let idp: TestIssuer;
let store: HvcStore;
let server: OnePortServer;
let transport: Transport;
const ids: Record<string, string> = {};
const tokens: Record<string, string> = {};
const resolver = createResolver({
  connectors: { memory: memoryConnectorFactory, proxmox: () => import('@hvc/hypervisor-connector-proxmox') },
  targets: (id) => store.targets.descriptor(id),
});
const as = (who: string) => ({ headers: { authorization: `Bearer ${tokens[who]}` } });

async function settle(targetId: string, operationId: string): Promise<OperationStatus | undefined> {
  let status: OperationStatus | undefined;
  for await (const { operation } of createClient(OperationService, transport).watchOperation(
    { targetId, operationId },
    as('admin'),
  )) {
    status = operation?.status;
  }
  return status;
}

beforeAll(async () => {
  idp = await startTestIssuer();
  store = await openSqliteStore(':memory:', createCredentialCipher(randomBytes(32)));
  for (const org of ['acme', 'globex']) await store.members.createOrganization({ id: org, displayName: org });
  for (const [who, org, role] of [
    ['admin', 'acme', 'admin'],
    ['operator', 'acme', 'operator'],
    ['viewer', 'acme', 'viewer'],
    ['watcher', 'acme', 'viewer'],
    ['stranger', 'globex', 'admin'],
  ] as const) {
    ids[who] = (
      await store.members.addMember({ organizationId: org, issuer: idp.issuer, subject: who, role })
    ).user.id;
    tokens[who] = await idp.mint({ sub: who }, { expIn: 3600 });
  }
  const authenticator = createAuthenticator({
    issuers: [createOidcVerifier({ issuer: idp.issuer, audience: idp.audience, algorithms: ['ES256'] })],
  });
  await authenticator.start();
  const handler = createHvcHandler({
    resolver,
    authenticator,
    authorizer: createDatabaseAuthorizer(store.db),
    store,
    limits: { watchRecheckMs: 100, maxDeadlineMs: 60_000 },
  });
  server = await listenOnePort(handler, { host: '127.0.0.1', port: 0 });
  transport = createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' });
});

afterAll(async () => {
  await server.close();
  await resolver.close();
  await store.close();
  await idp.close();
});

describe('targets', () => {
  const targets = () => createClient(TargetService, transport);

  it('lets admins create, change, test and delete targets, and never returns credentials', async () => {
    expect(
      await codeOf(targets().createTarget({ targetId: 'mem-x', kind: 'memory', config: {} }, as('operator'))),
    ).toBe(Code.PermissionDenied);
    expect(
      await codeOf(
        targets().createTarget({ targetId: 'mem-x', organizationId: 'acme', kind: 'memory' }, as('stranger')),
      ),
    ).toBe(Code.NotFound);
    expect(await codeOf(targets().createTarget({ targetId: 'Bad Id', kind: 'memory' }, as('admin')))).toBe(
      Code.InvalidArgument,
    );
    const { target } = await targets().createTarget(
      {
        targetId: 'mem-1',
        kind: 'memory',
        displayName: 'Memory',
        config: {
          guests: [
            { type: 'vm', name: 'web-1' },
            { type: 'vm', name: 'tpl', template: true },
          ],
          operationDurationMs: 50,
        },
      },
      as('admin'),
    );
    expect(target).toMatchObject({ id: 'mem-1', organizationId: 'acme', hasCredentials: false });
    const secret = await targets().createTarget(
      {
        targetId: 'with-secret',
        kind: 'proxmox',
        config: { endpoints: ['https://pve.example:8006'] },
        credentials: { type: 'token', tokenId: 'hvc@pve!api', secret: 'never-shown' },
      },
      as('admin'),
    );
    expect(secret.target?.hasCredentials).toBe(true);
    const read = await targets().getTarget({ targetId: 'with-secret' }, as('admin'));
    expect(JSON.stringify(read, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(
      'never-shown',
    );
    await targets().deleteTarget({ targetId: 'with-secret' }, as('admin'));
    expect(await codeOf(targets().createTarget({ targetId: 'mem-1', kind: 'memory' }, as('admin')))).toBe(
      Code.AlreadyExists,
    );
    await targets().updateTarget(
      {
        targetId: 'mem-1',
        config: {
          guests: [
            { type: 'vm', name: 'web-1' },
            { type: 'vm', name: 'tpl', template: true },
          ],
          operationDurationMs: 50,
        },
      },
      as('admin'),
    );
    expect((await targets().getTarget({ targetId: 'mem-1' }, as('viewer'))).target?.displayName).toBe(
      'Memory',
    );
    expect(await codeOf(targets().getTarget({ targetId: 'mem-1' }, as('stranger')))).toBe(Code.NotFound);
    expect((await targets().testTargetConnectivity({ targetId: 'mem-1' }, as('admin'))).ok).toBe(true);
    expect(await codeOf(targets().testTargetConnectivity({ targetId: 'mem-1' }, as('viewer')))).toBe(
      Code.PermissionDenied,
    );

    // A config its connector refuses is refused when it is written, naming the field, and nothing is stored.
    const broken = await targets()
      .createTarget({ targetId: 'broken', kind: 'memory', config: { nodes: 'not-a-list' } }, as('admin'))
      .catch((e: unknown) => ConnectError.from(e));
    expect(broken).toMatchObject({ code: Code.InvalidArgument });
    expect((broken as ConnectError).rawMessage).toContain('config.nodes');
    expect(await codeOf(targets().getTarget({ targetId: 'broken' }, as('admin')))).toBe(Code.NotFound);
    expect((await targets().listTargets({}, as('viewer'))).targets.map((t) => t.id)).toEqual(['mem-1']);
  });
});

describe('guests, snapshots and operations', () => {
  const guests = () => createClient(GuestService, transport);

  it('creates, clones, changes, migrates and deletes guests by role', async () => {
    const spec = create(GuestSpecSchema, { type: GuestType.VM, name: 'app-1', cpus: 2, memoryMib: 1024 });
    expect(await codeOf(guests().createGuest({ targetId: 'mem-1', spec }, as('viewer')))).toBe(
      Code.PermissionDenied,
    );
    const bad = create(GuestSpecSchema, {
      type: GuestType.VM,
      name: 'bad name!',
      osTemplate: 'local:vztmpl/x.tar',
    });
    expect(await codeOf(guests().createGuest({ targetId: 'mem-1', spec: bad }, as('operator')))).toBe(
      Code.InvalidArgument,
    );
    const created = await guests().createGuest({ targetId: 'mem-1', spec }, as('operator'));
    const newId = created.operation!.guestId!;
    expect(await settle('mem-1', created.operation!.id)).toBe(OperationStatus.SUCCEEDED);
    expect(
      (await guests().getGuest({ targetId: 'mem-1', guestId: newId }, as('viewer'))).guest,
    ).toMatchObject({
      name: 'app-1',
      resources: { cpus: 2 },
    });

    const clone = await guests().cloneGuest(
      { targetId: 'mem-1', guestId: newId, name: 'app-2' },
      as('operator'),
    );
    expect(await settle('mem-1', clone.operation!.id)).toBe(OperationStatus.SUCCEEDED);
    const updated = await guests().updateGuest(
      { targetId: 'mem-1', guestId: newId, cpus: 4, tags: ['blue'], replaceTags: true },
      as('operator'),
    );
    if (updated.operation) await settle('mem-1', updated.operation.id);
    expect(
      (await guests().getGuest({ targetId: 'mem-1', guestId: newId }, as('viewer'))).guest?.tags,
    ).toEqual(['blue']);
    expect(await codeOf(guests().updateGuest({ targetId: 'mem-1', guestId: newId }, as('operator')))).toBe(
      Code.InvalidArgument,
    );
    const moved = await guests().migrateGuest(
      { targetId: 'mem-1', guestId: newId, targetNode: 'node2' },
      as('operator'),
    );
    expect(await settle('mem-1', moved.operation!.id)).toBe(OperationStatus.SUCCEEDED);

    const stopped = await guests().listGuests(
      { targetId: 'mem-1', filter: { state: GuestState.STOPPED, templates: false } },
      as('viewer'),
    );
    expect(stopped.guests.map((g) => g.name).sort()).toEqual(['app-1', 'app-2', 'web-1']);
    expect(await codeOf(guests().listGuests({ targetId: 'mem-1', pageToken: 'garbage' }, as('viewer')))).toBe(
      Code.InvalidArgument,
    );

    expect(await codeOf(guests().deleteGuest({ targetId: 'mem-1', guestId: newId }, as('operator')))).toBe(
      Code.PermissionDenied,
    );
    const deleted = await guests().deleteGuest({ targetId: 'mem-1', guestId: newId }, as('admin'));
    expect(await settle('mem-1', deleted.operation!.id)).toBe(OperationStatus.SUCCEEDED);
    expect(await codeOf(guests().getGuest({ targetId: 'mem-1', guestId: newId }, as('viewer')))).toBe(
      Code.NotFound,
    );
  });

  it('takes, lists, rolls back and deletes snapshots', async () => {
    const snapshots = createClient(SnapshotService, transport);
    const guest = { targetId: 'mem-1', guestId: 'vm/100' };
    expect(await codeOf(snapshots.createSnapshot({ ...guest, name: 'before' }, as('viewer')))).toBe(
      Code.PermissionDenied,
    );
    expect(await codeOf(snapshots.createSnapshot({ ...guest, name: '1bad' }, as('operator')))).toBe(
      Code.InvalidArgument,
    );
    const taken = await snapshots.createSnapshot(
      { ...guest, name: 'before', description: 'x' },
      as('operator'),
    );
    expect(await settle('mem-1', taken.operation!.id)).toBe(OperationStatus.SUCCEEDED);
    expect((await snapshots.listSnapshots(guest, as('viewer'))).snapshots.map((s) => s.name)).toEqual([
      'before',
    ]);
    const rolled = await snapshots.rollbackSnapshot({ ...guest, name: 'before' }, as('operator'));
    expect(await settle('mem-1', rolled.operation!.id)).toBe(OperationStatus.SUCCEEDED);
    const removed = await snapshots.deleteSnapshot({ ...guest, name: 'before' }, as('operator'));
    expect(await settle('mem-1', removed.operation!.id)).toBe(OperationStatus.SUCCEEDED);
    expect((await snapshots.listSnapshots(guest, as('viewer'))).snapshots).toEqual([]);
  });

  it('reads and cancels operations', async () => {
    const operations = createClient(OperationService, transport);
    const { operation } = await guests().startGuest({ targetId: 'mem-1', guestId: 'vm/100' }, as('operator'));
    expect(
      (await operations.getOperation({ targetId: 'mem-1', operationId: operation!.id }, as('viewer')))
        .operation?.id,
    ).toBe(operation!.id);
    expect(
      await codeOf(
        operations.cancelOperation({ targetId: 'mem-1', operationId: operation!.id }, as('viewer')),
      ),
    ).toBe(Code.PermissionDenied);
    const cancelled = await operations.cancelOperation(
      { targetId: 'mem-1', operationId: operation!.id },
      as('operator'),
    );
    expect([OperationStatus.CANCELLED, OperationStatus.SUCCEEDED]).toContain(cancelled.operation?.status);
    expect(
      await codeOf(operations.getOperation({ targetId: 'mem-1', operationId: 'no such op' }, as('viewer'))),
    ).toBe(Code.InvalidArgument);
  });

  it('ends an open watch when its user is disabled', async () => {
    await createClient(TargetService, transport).createTarget(
      {
        targetId: 'slow',
        kind: 'memory',
        config: { guests: [{ type: 'vm', name: 'big' }], operationDurationMs: 5_000 },
      },
      as('admin'),
    );
    const { operation } = await guests().startGuest({ targetId: 'slow', guestId: 'vm/100' }, as('operator'));
    const watch = createClient(OperationService, transport).watchOperation(
      { targetId: 'slow', operationId: operation!.id },
      as('watcher'),
    );
    const ended = (async () => {
      for await (const _ of watch) {
        // The first message arrives at once; the stream then waits for the operation.
        await store.members.setDisabled('acme', ids.watcher!, true);
      }
    })();
    expect(await codeOf(ended)).toBe(Code.PermissionDenied);
  });

  it('lowers deadlines above the maximum instead of refusing them', async () => {
    const res = await guests().getGuest(
      { targetId: 'mem-1', guestId: 'vm/100' },
      { ...as('viewer'), timeoutMs: 3_600_000 },
    );
    expect(res.guest?.id).toBe('vm/100');
  });
});

describe('members', () => {
  const members = () => createClient(MemberService, transport);

  it('lets admins list, invite, re-role and disable members of their organisation only', async () => {
    expect(await codeOf(members().listMembers({}, as('viewer')))).toBe(Code.PermissionDenied);
    expect(await codeOf(members().listMembers({ organizationId: 'acme' }, as('stranger')))).toBe(
      Code.NotFound,
    );
    expect((await members().listMembers({}, as('admin'))).members.map((m) => m.subject)).toContain('viewer');
    expect(await codeOf(members().inviteMember({ issuer: idp.issuer, subject: 'newbie' }, as('admin')))).toBe(
      Code.InvalidArgument,
    );
    const { member } = await members().inviteMember(
      { issuer: idp.issuer, subject: 'newbie', email: 'n@example.com', role: Role.OPERATOR },
      as('admin'),
    );
    expect(member).toMatchObject({ subject: 'newbie', role: Role.OPERATOR, organizationId: 'acme' });
    expect(
      await codeOf(
        members().inviteMember({ issuer: idp.issuer, subject: 'newbie', role: Role.VIEWER }, as('admin')),
      ),
    ).toBe(Code.AlreadyExists);
    expect(
      (await members().updateMemberRole({ userId: member!.userId, role: Role.VIEWER }, as('admin'))).member
        ?.role,
    ).toBe(Role.VIEWER);
    expect(
      await codeOf(members().updateMemberRole({ userId: ids.admin!, role: Role.VIEWER }, as('admin'))),
    ).toBe(Code.FailedPrecondition);
    expect(await codeOf(members().disableMember({ userId: ids.stranger! }, as('admin')))).toBe(Code.NotFound);
    expect((await members().disableMember({ userId: member!.userId }, as('admin'))).member?.disabled).toBe(
      true,
    );
  });

  it('applies a demotion on the next request with the same token', async () => {
    const guests = createClient(GuestService, transport);
    const ok = await codeOf(guests.stopGuest({ targetId: 'mem-1', guestId: 'vm/100' }, as('operator')));
    expect(ok === 'ok' || ok === Code.FailedPrecondition).toBe(true);
    await members().updateMemberRole({ userId: ids.operator!, role: Role.VIEWER }, as('admin'));
    expect(await codeOf(guests.stopGuest({ targetId: 'mem-1', guestId: 'vm/100' }, as('operator')))).toBe(
      Code.PermissionDenied,
    );
  });
});

describe('where tokens are read', () => {
  it('ignores tokens in the query or a cookie, and caps their length on HTTP/2 too', async () => {
    for (const [path, headers] of [
      [`/hvc.v1.TargetService/ListTargets?access_token=${tokens.admin}`, {}],
      ['/hvc.v1.TargetService/ListTargets', { cookie: `access_token=${tokens.admin}` }],
    ] as const) {
      const res = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{}',
      });
      expect([path, res.status]).toEqual([path, 401]);
    }
    const h2 = createClient(TargetService, createConnectTransport({ baseUrl: server.url, httpVersion: '2' }));
    const huge = { headers: { authorization: `Bearer ${tokens.admin}${'A'.repeat(20_000)}` } };
    expect(await codeOf(h2.listTargets({}, huge))).toBe(Code.Unauthenticated);
    expect(await codeOf(h2.listTargets({}, as('admin')))).toBe('ok');
  });
});

describe('reflection', () => {
  it('finds the file declaring a service or a method', async () => {
    const reflection = createClient(
      ServerReflection,
      createConnectTransport({
        baseUrl: server.url,
        httpVersion: '2',
      }),
    );
    async function* ask() {
      yield {
        messageRequest: { case: 'fileContainingSymbol' as const, value: 'hvc.v1.GuestService.StartGuest' },
      };
      yield { messageRequest: { case: 'fileContainingSymbol' as const, value: 'no.such.Symbol' } };
    }
    const answers: string[] = [];
    for await (const res of reflection.serverReflectionInfo(ask(), as('viewer')))
      answers.push(res.messageResponse.case ?? '');
    expect(answers).toEqual(['fileDescriptorResponse', 'errorResponse']);
  });
});
