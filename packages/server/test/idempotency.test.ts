import { randomBytes } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from '@connectrpc/connect-node';
import { idempotencyKey, isIdempotentReplay } from '@hvc/client';
import { GuestService, GuestSpecSchema, GuestType, MemberService, Role, TargetService } from '@hvc/client/v1';
import { memoryConnectorFactory } from '@hvc/hypervisor-connector-memory';
import { createResolver } from '@hvc/hypervisor-resolver';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../src/authn/authenticator.js';
import { createOidcVerifier } from '../src/authn/oidc-verifier.js';
import { createDatabaseAuthorizer } from '../src/authz/database-authorizer.js';
import { createHvcHandler } from '../src/http/hvc-handler.js';
import { listenOnePort, type OnePortServer } from '../src/http/one-port-server.js';
import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAY_HEADER,
} from '../src/interceptors/idempotency-interceptor.js';
import { createCredentialCipher } from '../src/storage/credential-cipher.js';
import { type HvcStore, openSqliteStore } from '../src/storage/hvc-store.js';
import { startTestIssuer, type TestIssuer } from './support/test-issuer.js';

// One server on SQLite with the memory connector: every write with an Idempotency-Key runs once per organisation
// and key; the clock of the keys is the test's.
const TTL_MS = 3_600_000;
let clock = Date.parse('2026-01-01T00:00:00Z');
let idp: TestIssuer;
let store: HvcStore;
let server: OnePortServer;
const tokens: Record<string, string> = {};
/** What the mechanism reported: a failed renewal, recording or purge, or a keyed write that never claimed its key. */
const bookkeepingErrors: unknown[] = [];
const resolver = createResolver({
  connectors: { memory: memoryConnectorFactory },
  targets: (id) => store.targets.descriptor(id),
});

const transports: Record<'connect' | 'grpc' | 'grpcWeb', () => Transport> = {
  connect: () => createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }),
  grpc: () => createGrpcTransport({ baseUrl: server.url }),
  grpcWeb: () => createGrpcWebTransport({ baseUrl: server.url, httpVersion: '1.1' }),
};
const guests = (protocol: keyof typeof transports = 'connect') =>
  createClient(GuestService, transports[protocol]());

/** Call options of `who` with an idempotency key; `replayed` learns whether the answer was a replay. */
function keyed(who: string, key: string, seen?: { replayed?: string | null }) {
  return {
    headers: { authorization: `Bearer ${tokens[who]}`, [IDEMPOTENCY_KEY_HEADER]: key },
    onHeader: (header: Headers) => {
      if (seen) seen.replayed = header.get(IDEMPOTENT_REPLAY_HEADER);
    },
  };
}

const auth = (who: string) => ({ headers: { authorization: `Bearer ${tokens[who]}` } });
const spec = (name: string) => create(GuestSpecSchema, { type: GuestType.VM, name, cpus: 1, memoryMib: 512 });

/** How many guests named `name` the target has, as the memory connector holds them. */
async function countNamed(targetId: string, name: string): Promise<number> {
  const { guests: all } = await guests().listGuests(
    { targetId },
    { headers: { authorization: `Bearer ${tokens.admin}` } },
  );
  return all.filter((g) => g.name === name).length;
}

async function failureOf(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error('the call succeeded');
}

beforeAll(async () => {
  idp = await startTestIssuer();
  store = await openSqliteStore(':memory:', createCredentialCipher(randomBytes(32)));
  for (const org of ['acme', 'globex']) await store.members.createOrganization({ id: org, displayName: org });
  for (const [who, org, role] of [
    ['admin', 'acme', 'admin'],
    ['operator', 'acme', 'operator'],
    ['stranger', 'globex', 'admin'],
  ] as const) {
    await store.members.addMember({ organizationId: org, issuer: idp.issuer, subject: who, role });
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
    idempotency: {
      ttlMs: TTL_MS,
      leaseMs: 30_000,
      maxWaitMs: 2_000,
      now: () => clock,
      onError: (error) => bookkeepingErrors.push(error),
    },
  });
  server = await listenOnePort(handler, { host: '127.0.0.1', port: 0 });
  const targets = createClient(TargetService, transports.connect());
  await targets.createTarget({ targetId: 'mem-1', kind: 'memory' }, keyed('admin', 'target-1'));
  await targets.createTarget({ targetId: 'mem-1', kind: 'memory' }, keyed('stranger', 'target-1'));
});

afterAll(async () => {
  expect(bookkeepingErrors).toEqual([]);
  await server?.close();
  await resolver.close();
  await store?.close();
  await idp?.close();
});

describe('idempotency keys on writes', () => {
  it('runs a write once: the same key again answers the same operation without creating a second guest', async () => {
    const first = { replayed: undefined as string | null | undefined };
    const again = { replayed: undefined as string | null | undefined };
    const a = await guests().createGuest(
      { targetId: 'mem-1', spec: spec('once') },
      keyed('operator', 'k-once', first),
    );
    const b = await guests().createGuest(
      { targetId: 'mem-1', spec: spec('once') },
      keyed('operator', 'k-once', again),
    );
    expect(b.operation?.id).toBe(a.operation?.id);
    expect(b).toEqual(a);
    expect(first.replayed).toBeNull();
    expect(again.replayed).toBe('true');
    expect(await countNamed('mem-1', 'once')).toBe(1);
  });

  it('lets concurrent duplicates wait for the first and answer the same', async () => {
    const answers = await Promise.all(
      Array.from({ length: 4 }, () =>
        guests().createGuest({ targetId: 'mem-1', spec: spec('together') }, keyed('operator', 'k-together')),
      ),
    );
    expect(new Set(answers.map((a) => a.operation?.id)).size).toBe(1);
    expect(await countNamed('mem-1', 'together')).toBe(1);
  });

  it('refuses the same key with another request (CONFLICT, not retryable) and writes nothing', async () => {
    await guests().createGuest({ targetId: 'mem-1', spec: spec('first') }, keyed('operator', 'k-reused'));
    const error = await failureOf(
      guests().createGuest({ targetId: 'mem-1', spec: spec('second') }, keyed('operator', 'k-reused')),
    );
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(error.rawMessage).toContain('IDEMPOTENCY_KEY_REUSED');
    expect(await countNamed('mem-1', 'second')).toBe(0);
    // Another method with the same key is another request too; so is the same request from another caller.
    const other = await failureOf(
      guests().startGuest({ targetId: 'mem-1', guestId: 'vm/1' }, keyed('operator', 'k-reused')),
    );
    expect(other.rawMessage).toContain('IDEMPOTENCY_KEY_REUSED');
    const otherCaller = await failureOf(
      guests().createGuest({ targetId: 'mem-1', spec: spec('first') }, keyed('admin', 'k-reused')),
    );
    expect(otherCaller.code).toBe(Code.FailedPrecondition);
    expect(await countNamed('mem-1', 'first')).toBe(1);
  });

  it("keeps each organisation's keys apart: the same key in another organisation is a new key", async () => {
    const acme = await guests().createGuest(
      { targetId: 'mem-1', spec: spec('shared') },
      keyed('operator', 'k-org'),
    );
    const globex = await guests().createGuest(
      { targetId: 'mem-1', organizationId: 'globex', spec: spec('shared') },
      keyed('stranger', 'k-org'),
    );
    expect(globex.operation?.id).toBeDefined();
    expect(await countNamed('mem-1', 'shared')).toBe(1);
    const { guests: theirs } = await guests().listGuests(
      { targetId: 'mem-1', organizationId: 'globex' },
      { headers: { authorization: `Bearer ${tokens.stranger}` } },
    );
    expect(theirs.filter((g) => g.name === 'shared')).toHaveLength(1);
    expect(acme.operation?.id).toBeDefined();
  });

  it('forgets a key once it expired: the same request then runs again', async () => {
    const a = await guests().createGuest(
      { targetId: 'mem-1', spec: spec('expiring') },
      keyed('operator', 'k-exp'),
    );
    clock += TTL_MS - 1;
    const b = await guests().createGuest(
      { targetId: 'mem-1', spec: spec('expiring') },
      keyed('operator', 'k-exp'),
    );
    expect(b.operation?.id).toBe(a.operation?.id);
    clock += 2;
    const c = await guests().createGuest(
      { targetId: 'mem-1', spec: spec('expiring') },
      keyed('operator', 'k-exp'),
    );
    expect(c.operation?.id).not.toBe(a.operation?.id);
    expect(await countNamed('mem-1', 'expiring')).toBe(2);
  });

  it('refuses a malformed key with INVALID_ARGUMENT naming the header, and writes nothing', async () => {
    for (const key of ['has space', 'x'.repeat(129), 'naïve', 'tab\tkey']) {
      const error = await failureOf(
        guests().createGuest({ targetId: 'mem-1', spec: spec('bad-key') }, keyed('operator', key)),
      );
      expect(error.code).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toContain(IDEMPOTENCY_KEY_HEADER);
    }
    expect(await countNamed('mem-1', 'bad-key')).toBe(0);
    // 128 printable characters are a key.
    await guests().createGuest(
      { targetId: 'mem-1', spec: spec('long-key') },
      keyed('operator', '~'.repeat(128)),
    );
    expect(await countNamed('mem-1', 'long-key')).toBe(1);
  });

  it('replays a recorded definite failure instead of running again', async () => {
    const first = await failureOf(
      guests().startGuest({ targetId: 'mem-1', guestId: 'vm/999999' }, keyed('operator', 'k-missing')),
    );
    expect(first.code).toBe(Code.NotFound);
    const seen = { replayed: undefined as string | null | undefined };
    const again = await failureOf(
      guests().startGuest({ targetId: 'mem-1', guestId: 'vm/999999' }, keyed('operator', 'k-missing', seen)),
    );
    expect(again.code).toBe(Code.NotFound);
    expect(again.rawMessage).toBe(first.rawMessage);
    expect(again.metadata.get(IDEMPOTENT_REPLAY_HEADER)).toBe('true');
  });

  it('makes a duplicate of a running call wait, then answer UNAVAILABLE; a lease that ran out is taken over', async () => {
    const first = await guests().createGuest(
      { targetId: 'mem-1', spec: spec('crashed') },
      keyed('operator', 'k-crash'),
    );
    // As if a replica had claimed the key for this very request and died before recording an answer.
    const crashed = async (leaseUntil: number) =>
      sql`update idempotency_keys set state = 'running', response = null, lease_owner = 'dead replica',
        lease_until = ${new Date(leaseUntil).toISOString()} where idempotency_key = 'k-crash'`.execute(
        store.db,
      );
    await crashed(clock + 30_000);
    const waiting = await failureOf(
      guests().createGuest({ targetId: 'mem-1', spec: spec('crashed') }, keyed('operator', 'k-crash')),
    );
    expect(waiting.code).toBe(Code.Unavailable);
    expect(waiting.rawMessage).toContain('IDEMPOTENCY_KEY_IN_PROGRESS');
    expect(await countNamed('mem-1', 'crashed')).toBe(1);

    await crashed(clock - 1);
    const retaken = await guests().createGuest(
      { targetId: 'mem-1', spec: spec('crashed') },
      keyed('operator', 'k-crash'),
    );
    // The dead replica's outcome is unknown: the call runs again under the key, and its answer is the one kept.
    expect(retaken.operation?.id).not.toBe(first.operation?.id);
    const replayed = await guests().createGuest(
      { targetId: 'mem-1', spec: spec('crashed') },
      keyed('operator', 'k-crash'),
    );
    expect(replayed.operation?.id).toBe(retaken.operation?.id);
  });

  it('covers writes of the organisation too: an invitation sent twice with one key is sent once', async () => {
    const members = createClient(MemberService, transports.connect());
    const invite = { organizationId: 'acme', issuer: idp.issuer, subject: 'newcomer', role: Role.VIEWER };
    const first = await members.inviteMember(invite, keyed('admin', 'k-invite'));
    const again = await members.inviteMember(invite, keyed('admin', 'k-invite'));
    expect(again).toEqual(first);
    // Without the key the same invitation is a second write, refused as such.
    expect((await failureOf(members.inviteMember(invite, auth('admin')))).code).toBe(Code.AlreadyExists);
  });

  for (const protocol of ['connect', 'grpc', 'grpcWeb'] as const) {
    it(`carries the key over ${protocol}`, async () => {
      const name = `proto-${protocol.toLowerCase()}`;
      const seen = { replayed: undefined as string | null | undefined };
      const a = await guests(protocol).createGuest(
        { targetId: 'mem-1', spec: spec(name) },
        idempotencyKey(`k-${name}`, auth('operator')),
      );
      const b = await guests(protocol).createGuest(
        { targetId: 'mem-1', spec: spec(name) },
        idempotencyKey(`k-${name}`, {
          ...auth('operator'),
          onHeader: (header) => {
            seen.replayed = isIdempotentReplay(header) ? 'true' : null;
          },
        }),
      );
      expect(b.operation?.id).toBe(a.operation?.id);
      expect(seen.replayed).toBe('true');
      expect(await countNamed('mem-1', name)).toBe(1);
      const invalid = await failureOf(
        guests(protocol).createGuest({ targetId: 'mem-1', spec: spec(name) }, keyed('operator', 'bad key')),
      );
      expect(invalid.code).toBe(Code.InvalidArgument);
    });
  }
});
