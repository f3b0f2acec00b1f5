import { randomBytes } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import {
  GuestEventService,
  GuestService,
  GuestSpecSchema,
  GuestState,
  GuestType,
  OperationService,
  OperationStatus,
  TargetService,
  type WatchGuestsResponse,
} from '@hvc/client/v1';
import { createMemoryConnector, memoryConnectorFactory } from '@hvc/hypervisor-connector-memory';
import { createResolver } from '@hvc/hypervisor-resolver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../src/authn/authenticator.js';
import { createOidcVerifier } from '../src/authn/oidc-verifier.js';
import { createDatabaseAuthorizer } from '../src/authz/database-authorizer.js';
import { createHvcHandler } from '../src/http/hvc-handler.js';
import { listenOnePort, type OnePortServer } from '../src/http/one-port-server.js';
import { HEARTBEAT, watchGuestEvents } from '../src/rpc/guest-event-watch.js';
import { createCredentialCipher } from '../src/storage/credential-cipher.js';
import { type HvcStore, openSqliteStore } from '../src/storage/hvc-store.js';
import { TRANSPORTS } from './support/protocol-transports.js';
import { startTestIssuer, type TestIssuer } from './support/test-issuer.js';

// GuestEventService.WatchGuests over gRPC, gRPC-Web and Connect against a memory target: viewers watch, strangers cannot.
let idp: TestIssuer;
let store: HvcStore;
let server: OnePortServer;
let transport: Transport;
const tokens: Record<string, string> = {};
const resolver = createResolver({
  connectors: { memory: memoryConnectorFactory },
  targets: (id) => store.targets.descriptor(id),
});
const as = (who: string) => ({ headers: { authorization: `Bearer ${tokens[who]}` } });

beforeAll(async () => {
  idp = await startTestIssuer();
  store = await openSqliteStore(':memory:', createCredentialCipher(randomBytes(32)));
  for (const org of ['acme', 'globex']) await store.members.createOrganization({ id: org, displayName: org });
  for (const [who, org, role] of [
    ['admin', 'acme', 'admin'],
    ['viewer', 'acme', 'viewer'],
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
    limits: { watchRecheckMs: 100, maxDeadlineMs: 60_000 },
  });
  server = await listenOnePort(handler, { host: '127.0.0.1', port: 0 });
  transport = TRANSPORTS.connect!(server.url);
  await createClient(TargetService, transport).createTarget(
    {
      targetId: 'mem-w',
      kind: 'memory',
      config: { guests: [{ type: 'vm', name: 'web-1' }], operationDurationMs: 20 },
    },
    as('admin'),
  );
});

afterAll(async () => {
  await server.close();
  await resolver.close();
  await store.close();
  await idp.close();
});

async function settle(operationId: string): Promise<OperationStatus | undefined> {
  let status: OperationStatus | undefined;
  for await (const { operation } of createClient(OperationService, transport).watchOperation(
    { targetId: 'mem-w', operationId },
    as('admin'),
  )) {
    status = operation?.status;
  }
  return status;
}

/** The next message `wanted` accepts, skipping heartbeats and other guests' changes. */
async function until(
  stream: AsyncIterator<WatchGuestsResponse>,
  wanted: (message: WatchGuestsResponse) => boolean,
): Promise<WatchGuestsResponse> {
  for (;;) {
    const next = await stream.next();
    if (next.done) throw new Error('the watch ended');
    if (wanted(next.value)) return next.value;
  }
}

describe.each(Object.keys(TRANSPORTS))('GuestEventService.WatchGuests over %s', (protocol) => {
  it('streams a sync, then added, changed and removed to a viewer', async () => {
    const controller = new AbortController();
    const stream = createClient(GuestEventService, TRANSPORTS[protocol]!(server.url))
      .watchGuests({ targetId: 'mem-w' }, { ...as('viewer'), signal: controller.signal })
      [Symbol.asyncIterator]();
    const first = (await stream.next()).value as WatchGuestsResponse;
    expect(first.event.case).toBe('sync');
    expect(first.event.case === 'sync' && first.event.value.guests.map((g) => g.name)).toEqual(['web-1']);
    expect(first.time).toBeDefined();

    const guests = createClient(GuestService, transport);
    const spec = create(GuestSpecSchema, {
      type: GuestType.VM,
      name: `app-${protocol}`,
      cpus: 1,
      memoryMib: 512,
    });
    const created = await guests.createGuest({ targetId: 'mem-w', spec }, as('admin'));
    const guestId = created.operation!.guestId!;
    expect(await settle(created.operation!.id)).toBe(OperationStatus.SUCCEEDED);
    const added = await until(stream, (m) => m.event.case === 'added' && m.event.value.guest?.id === guestId);
    expect(added.event.value).toMatchObject({ guest: { name: `app-${protocol}`, targetId: 'mem-w' } });

    expect(
      await settle((await guests.startGuest({ targetId: 'mem-w', guestId }, as('admin'))).operation!.id),
    ).toBe(OperationStatus.SUCCEEDED);
    const started = await until(
      stream,
      (m) =>
        m.event.case === 'changed' &&
        m.event.value.guest?.id === guestId &&
        m.event.value.guest.state === GuestState.RUNNING,
    );
    expect(started.event.case === 'changed' && started.event.value.fields).toContain('state');

    await settle((await guests.stopGuest({ targetId: 'mem-w', guestId }, as('admin'))).operation!.id);
    await settle((await guests.deleteGuest({ targetId: 'mem-w', guestId }, as('admin'))).operation!.id);
    const removed = await until(
      stream,
      (m) => m.event.case === 'removed' && m.event.value.guestId === guestId,
    );
    expect(removed.event.case === 'removed' && removed.event.value.previous?.name).toBe(`app-${protocol}`);
    controller.abort();
  });
});

describe('GuestEventService.WatchGuests refusals', () => {
  it('refuses a stranger and a bad filter', async () => {
    const watch = async (
      who: string,
      request: Parameters<ReturnType<typeof createClient<typeof GuestEventService>>['watchGuests']>[0],
    ) => {
      try {
        for await (const _ of createClient(GuestEventService, transport).watchGuests(request, as(who))) break;
        return 'ok';
      } catch (error) {
        return ConnectError.from(error).code;
      }
    };
    expect(await watch('stranger', { targetId: 'mem-w' })).toBe(Code.NotFound);
    expect(await watch('viewer', { targetId: 'mem-w', filter: { node: 'bad node!' } })).toBe(
      Code.InvalidArgument,
    );
  });
});

describe('watchGuestEvents', () => {
  it('sends heartbeats between events and leaves the connector’s watch when aborted', async () => {
    const connector = createMemoryConnector();
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const item of watchGuestEvents(connector, {}, controller.signal, { heartbeatMs: 5 })) {
      seen.push(item === HEARTBEAT ? HEARTBEAT : item.type);
      if (seen.includes(HEARTBEAT) && seen.includes('sync')) controller.abort();
    }
    expect(seen[0]).toBe('sync');
    expect(seen).toContain(HEARTBEAT);
    await connector.close();
  });
});
