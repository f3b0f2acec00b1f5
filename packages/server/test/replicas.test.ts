import { randomBytes } from 'node:crypto';
import { Code, createClient, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import {
  GuestService,
  GuestType,
  MemberService,
  OperationService,
  OperationStatus,
  Role,
  TargetService,
} from '@hvc/client/v1';
import { createPveFake, type PveFake } from '@hvc/pve-fake';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCredentialCipher } from '../src/storage/credential-cipher.js';
import { type HvcStore, openPostgresStore } from '../src/storage/hvc-store.js';
import { schemaMigrations } from '../src/storage/migrations.js';
import { codeOf } from './support/call-code.js';
import { usePostgres } from './support/postgres-server.js';
import { type ServerProcess, startServerProcess } from './support/server-process.js';
import { startTestIssuer, type TestIssuer } from './support/test-issuer.js';

// Two hvc-server processes share one PostgreSQL database; a Proxmox VE fake over HTTPS is the hypervisor both
// reach. Nothing a request needs may live in one replica's memory.
const key = randomBytes(32);
// Started by this file; each test fails (never skips) when PostgreSQL or the stack cannot start.
const postgres = usePostgres();
let setupFailure: unknown;
let databaseUrl = '';
let idp: TestIssuer;
let fake: PveFake;
let pve: { url: string; fingerprint: string };
let store: HvcStore;
const replicas: Record<'a' | 'b', { process: ServerProcess; url: string }> = {} as never;
const tokens: Record<'alice' | 'bob' | 'oscar', string> = { alice: '', bob: '', oscar: '' };
let bobId = '';

const auth = (who: keyof typeof tokens) => ({ headers: { authorization: `Bearer ${tokens[who]}` } });
const grpc = (replica: 'a' | 'b'): Transport => createGrpcTransport({ baseUrl: replicas[replica].url });
const connect = (replica: 'a' | 'b'): Transport =>
  createConnectTransport({ baseUrl: replicas[replica].url, httpVersion: '1.1' });

function serverEnv(): Record<string, string> {
  return {
    HVC_PORT: '0',
    HVC_DATABASE_URL: databaseUrl,
    HVC_DATABASE_POOL_MAX: '4',
    HVC_ENCRYPTION_KEY: key.toString('hex'),
    HVC_OIDC_ISSUER: idp.issuer,
    HVC_OIDC_AUDIENCE: idp.audience,
    HVC_OIDC_ALGORITHMS: 'ES256',
    HVC_OIDC_TYP: 'at+jwt',
    // Both replicas bootstrap the same organisation and admin at the same moment.
    HVC_BOOTSTRAP_ORGANIZATION: 'acme',
    HVC_BOOTSTRAP_ADMIN_SUBJECT: 'alice',
    HVC_LOG_LEVEL: 'info',
    // Every call reads access from the database, so a change made through one replica applies to the other's next
    // request; with the default cache it applies within its TTL (5 s), proven in access-cache.test.ts.
    HVC_ACCESS_CACHE_MS: '0',
  };
}

// Starting PostgreSQL and two bins from source takes seconds: the hooks allow for a slow, busy machine.
async function startStack(): Promise<void> {
  databaseUrl = await postgres().createDatabase('hvc_replicas');
  idp = await startTestIssuer('urn:hvc:replicas');
  for (const who of ['alice', 'bob', 'oscar'] as const)
    tokens[who] = await idp.mint({ sub: who }, { expIn: 3600 });
  fake = createPveFake({
    guests: [{ type: 'qemu', vmid: 100, name: 'web-1', status: 'stopped' }],
    taskDurationMs: 1_500,
  });
  pve = await fake.listen();

  // Both replicas start at once on the empty database: both migrate, both bootstrap.
  const a = startServerProcess(['serve'], serverEnv());
  const b = startServerProcess(['serve'], serverEnv());
  const listening = (p: ServerProcess) =>
    p
      .waitFor<{ url: string }>((line) => line.msg === 'hvc-server listening')
      .then(({ url }) => ({ process: p, url }));
  [replicas.a, replicas.b] = await Promise.all([listening(a), listening(b)]);

  // Another organisation, seeded straight into the shared database.
  store = await openPostgresStore(databaseUrl, createCredentialCipher(key));
  await store.members.createOrganization({ id: 'globex', displayName: 'Globex' });
  await store.members.addMember({
    organizationId: 'globex',
    issuer: idp.issuer,
    subject: 'oscar',
    role: 'admin',
  });
}

beforeAll(async () => {
  await startStack().catch((error: unknown) => {
    setupFailure = error;
  });
}, 120_000);
beforeEach(() => {
  if (setupFailure !== undefined) throw setupFailure;
});

afterAll(async () => {
  const codes = await Promise.all([replicas.a?.process.stop(), replicas.b?.process.stop()]);
  if (setupFailure === undefined) expect(codes).toEqual([0, 0]);
  await store?.close();
  await fake?.close();
  await idp?.close();
}, 60_000);

const MIGRATIONS = Object.keys(schemaMigrations('postgres'));

describe('two hvc-server replicas on one PostgreSQL', () => {
  it('migrated the shared database once although both started at once, and both are ready', async () => {
    const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
      store.db,
    );
    expect(rows.rows.map((r) => r.name)).toEqual(MIGRATIONS);
    const admins = (await store.members.listMembers('acme')).filter((m) => m.role === 'admin');
    expect(admins.map((m) => m.user.subject)).toEqual(['alice']);
    for (const replica of [replicas.a, replicas.b]) {
      const res = await fetch(`${replica.url}/readyz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ checks: { database: true } });
    }
  });

  it('serves a target created through A from B', async () => {
    const { target } = await createClient(TargetService, connect('a')).createTarget(
      {
        targetId: 'pve-1',
        kind: 'proxmox',
        displayName: 'PVE fake',
        config: { endpoints: [{ url: pve.url, fingerprint: pve.fingerprint }] },
        credentials: {
          type: 'token',
          tokenId: fake.credentials.tokenId,
          secret: fake.credentials.tokenSecret,
        },
      },
      auth('alice'),
    );
    expect(target?.id).toBe('pve-1');
    const { member } = await createClient(MemberService, connect('a')).inviteMember(
      { organizationId: 'acme', issuer: idp.issuer, subject: 'bob', role: Role.OPERATOR },
      auth('alice'),
    );
    bobId = member!.userId;
    // An invitation grants nothing until accepted; bob accepts it through the other replica.
    await createClient(MemberService, grpc('b')).acceptInvitation({ organizationId: 'acme' }, auth('bob'));
    const { guests } = await createClient(GuestService, grpc('b')).listGuests(
      { targetId: 'pve-1' },
      auth('bob'),
    );
    expect(guests.map((g) => g.id)).toEqual(['qemu/100']);
  });

  it('lets an operation started through A be watched to completion through B', async () => {
    const { operation } = await createClient(GuestService, grpc('a')).startGuest(
      { targetId: 'pve-1', guestId: 'qemu/100' },
      auth('bob'),
    );
    expect(operation?.status).toBe(OperationStatus.RUNNING);
    const operations = createClient(OperationService, grpc('b'));
    expect(
      (await operations.getOperation({ targetId: 'pve-1', operationId: operation!.id }, auth('bob')))
        .operation,
    ).toMatchObject({ id: operation!.id, targetId: 'pve-1', guestId: 'qemu/100' });

    const seen: OperationStatus[] = [];
    for await (const update of operations.watchOperation(
      { targetId: 'pve-1', operationId: operation!.id },
      auth('bob'),
    )) {
      seen.push(update.operation!.status);
    }
    expect(seen.at(-1)).toBe(OperationStatus.SUCCEEDED);
    expect(seen.slice(0, -1).every((s) => s === OperationStatus.RUNNING)).toBe(true);
    const { guest } = await createClient(GuestService, connect('a')).getGuest(
      { targetId: 'pve-1', guestId: 'qemu/100' },
      auth('bob'),
    );
    expect(guest?.state).toBeDefined();

    // The lookup checks authorization on the replica that serves it: another organisation sees nothing.
    expect(
      await codeOf(operations.getOperation({ targetId: 'pve-1', operationId: operation!.id }, auth('oscar'))),
    ).toBe(Code.NotFound);
  });

  it("applies a role change made through A to B's next request", async () => {
    const operations = createClient(OperationService, connect('b'));
    const { operation } = await createClient(GuestService, connect('b')).stopGuest(
      { targetId: 'pve-1', guestId: 'qemu/100' },
      auth('bob'),
    );
    expect(
      await codeOf(
        operations.cancelOperation({ targetId: 'pve-1', operationId: operation!.id }, auth('bob')),
      ),
    ).toBe('ok');

    await createClient(MemberService, grpc('a')).updateMemberRole(
      { organizationId: 'acme', userId: bobId, role: Role.VIEWER },
      auth('alice'),
    );
    expect(
      await codeOf(
        operations.cancelOperation({ targetId: 'pve-1', operationId: operation!.id }, auth('bob')),
      ),
    ).toBe(Code.PermissionDenied);
    // Still a viewer on B: reads work.
    expect(
      await codeOf(operations.getOperation({ targetId: 'pve-1', operationId: operation!.id }, auth('bob'))),
    ).toBe('ok');

    await createClient(MemberService, grpc('a')).disableMember(
      { organizationId: 'acme', userId: bobId },
      auth('alice'),
    );
    expect(
      await codeOf(operations.getOperation({ targetId: 'pve-1', operationId: operation!.id }, auth('bob'))),
    ).toBe(Code.PermissionDenied);
  });

  it('creates one guest when both replicas receive the same CreateGuest with one idempotency key at once', async () => {
    const creates = () =>
      fake.requests.filter((r) => r.method === 'POST' && /^\/nodes\/[^/]+\/qemu$/.test(r.path));
    const before = creates().length;
    const spec = { type: GuestType.VM, name: 'idem-web', cpus: 1, memoryMib: 512 };
    const keyed = { headers: { ...auth('alice').headers, 'idempotency-key': 'create-idem-web' } };
    const [a, b] = await Promise.all([
      createClient(GuestService, grpc('a')).createGuest({ targetId: 'pve-1', spec }, keyed),
      createClient(GuestService, connect('b')).createGuest({ targetId: 'pve-1', spec }, keyed),
    ]);
    expect(a.operation?.id).toBeDefined();
    expect(b).toEqual(a);
    expect(creates().length - before).toBe(1);
    // Later, through either replica: the same answer, and still no second create.
    const again = await createClient(GuestService, grpc('b')).createGuest({ targetId: 'pve-1', spec }, keyed);
    expect(again).toEqual(a);
    expect(creates().length - before).toBe(1);
    const { guests } = await createClient(GuestService, connect('a')).listGuests(
      { targetId: 'pve-1' },
      auth('alice'),
    );
    expect(guests.filter((g) => g.name === 'idem-web')).toHaveLength(1);
    // The same key with another request is refused by either replica, and nothing is sent to the hypervisor.
    const reused = createClient(GuestService, connect('a')).createGuest(
      { targetId: 'pve-1', spec: { ...spec, name: 'idem-other' } },
      keyed,
    );
    expect(await codeOf(reused)).toBe(Code.FailedPrecondition);
    expect(creates().length - before).toBe(1);
  });

  it('never writes the database password to either replica’s log', () => {
    const password = decodeURIComponent(new URL(databaseUrl).password);
    expect(password.length).toBeGreaterThan(8);
    for (const replica of [replicas.a, replicas.b]) {
      expect(replica.process.output.length).toBeGreaterThan(0);
      expect(replica.process.output.join('\n')).not.toContain(password);
    }
  });
});

describe('hvc-server migrate, run by two processes at once on a new database', () => {
  it('applies the migrations once: one process applies them, the other finds the schema up to date', async () => {
    const url = await postgres().createDatabase('hvc_migrate');
    const env = { HVC_DATABASE_URL: url };
    const runs = [startServerProcess(['migrate'], env), startServerProcess(['migrate'], env)];
    expect(await Promise.all(runs.map((r) => r.exited()))).toEqual([0, 0]);
    const outputs = runs.map((r) => r.output.join('\n')).sort();
    expect(outputs).toEqual([
      expect.stringMatching(
        new RegExp(`^postgres://127\\.0\\.0\\.1:\\d+/hvc_migrate: applied ${MIGRATIONS.join(', ')}$`),
      ),
      expect.stringMatching(/^postgres:\/\/127\.0\.0\.1:\d+\/hvc_migrate: schema up to date$/),
    ]);
    const password = decodeURIComponent(new URL(url).password);
    expect(outputs.join('\n')).not.toContain(password);
  });
});
