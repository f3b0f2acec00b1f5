import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Code, createClient, type Transport } from '@connectrpc/connect';
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from '@connectrpc/connect-node';
import {
  GuestService,
  MemberService,
  OperationService,
  OperationStatus,
  TargetService,
} from '@hvc/client/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Health, HealthCheckResponse_ServingStatus } from '../src/gen/grpc/health/v1/health_pb.js';
import { ServerReflection } from '../src/gen/grpc/reflection/v1/reflection_pb.js';
import { createCredentialCipher } from '../src/storage/credential-cipher.js';
import { openSqliteStore } from '../src/storage/hvc-store.js';
import { codeOf } from './support/call-code.js';
import { startEmbeddedServer } from './support/embedded-server.js';
import { type ServerProcess, startServerProcess } from './support/server-process.js';
import { startTestIssuer, type TestIssuer } from './support/test-issuer.js';

const dir = mkdtempSync(join(tmpdir(), 'hvc-e2e-'));
const key = randomBytes(32);
let idp: TestIssuer;
const tokens: Record<'alice' | 'victor' | 'oscar', string> = { alice: '', victor: '', oscar: '' };

beforeAll(async () => {
  idp = await startTestIssuer('urn:hvc:e2e');
  for (const who of ['alice', 'victor', 'oscar'] as const) {
    tokens[who] = await idp.mint({ sub: who }, { expIn: 3600 });
  }
});
afterAll(async () => {
  await idp?.close();
  rmSync(dir, { recursive: true, force: true });
});

const auth = (who: keyof typeof tokens) => ({ headers: { authorization: `Bearer ${tokens[who]}` } });

// The same calls go through the bin and through the API embedded in a server of one's own.
describe.each(['bin', 'embedded'] as const)('hvc-server (%s) over gRPC, gRPC-Web and Connect', (variant) => {
  const database = join(dir, `${variant}.sqlite`);
  let server: ServerProcess | undefined;
  let embedded: { url: string; close(): Promise<void> } | undefined;
  let url = '';
  let metricsUrl = '';
  let victorId = '';
  const transports = (): Record<string, Transport> => ({
    grpc: createGrpcTransport({ baseUrl: url }),
    'grpc-web': createGrpcWebTransport({ baseUrl: url, httpVersion: '1.1' }),
    connect: createConnectTransport({ baseUrl: url, httpVersion: '1.1' }),
  });

  // Starting the bin from source takes seconds: the hooks allow for a slow, busy machine.
  beforeAll(async () => {
    // Seed two organisations directly in the database file the server will open.
    const store = await openSqliteStore(database, createCredentialCipher(key));
    await store.members.createOrganization({ id: 'acme', displayName: 'Acme' });
    await store.members.createOrganization({ id: 'globex', displayName: 'Globex' });
    await store.members.addMember({
      organizationId: 'acme',
      issuer: idp.issuer,
      subject: 'alice',
      role: 'admin',
    });
    const victor = await store.members.addMember({
      organizationId: 'acme',
      issuer: idp.issuer,
      subject: 'victor',
      role: 'viewer',
    });
    victorId = victor.user.id;
    await store.members.addMember({
      organizationId: 'globex',
      issuer: idp.issuer,
      subject: 'oscar',
      role: 'admin',
    });
    await store.close();
    if (variant === 'bin') {
      server = startServerProcess(['serve'], {
        HVC_PORT: '0',
        HVC_DATABASE_FILE: database,
        HVC_ENCRYPTION_KEY: key.toString('base64'),
        HVC_OIDC_ISSUER: idp.issuer,
        HVC_OIDC_AUDIENCE: idp.audience,
        HVC_OIDC_ALGORITHMS: 'ES256',
        HVC_OIDC_TYP: 'at+jwt',
        HVC_LOG_LEVEL: 'info',
        HVC_ALLOW_MEMORY_CONNECTOR: 'true',
        HVC_METRICS_PORT: '0',
      });
      ({ url, metricsUrl } = await server.waitFor<{ url: string; metricsUrl: string }>(
        (line) => line.msg === 'hvc-server listening',
      ));
    } else {
      embedded = await startEmbeddedServer({ database, key, issuer: idp.issuer, audience: idp.audience });
      url = embedded.url;
    }

    // The admin adds a memory target over the API (Connect JSON, as curl would).
    const created = await fetch(`${url}/hvc.v1.TargetService/CreateTarget`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.alice}` },
      body: JSON.stringify({
        targetId: 'mem-1',
        kind: 'memory',
        displayName: 'Memory target',
        config: {
          guests: [
            { type: 'vm', name: 'web-1' },
            { type: 'container', name: 'db-1' },
          ],
          operationDurationMs: 200,
        },
      }),
    });
    expect(created.status).toBe(200);
  }, 90_000);

  afterAll(async () => {
    if (server) expect(await server.stop()).toBe(0);
    await embedded?.close();
  }, 60_000);

  it('answers 401 with WWW-Authenticate without a token, before reading the body', async () => {
    const res = await fetch(`${url}/hvc.v1.GuestService/ListGuests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'this is not json',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="hvc"');
    const bad = await fetch(`${url}/hvc.v1.GuestService/ListGuests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-jwt' },
      body: '{}',
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBe('Bearer realm="hvc", error="invalid_token"');
    for (const [name, transport] of Object.entries(transports())) {
      const code = await codeOf(createClient(GuestService, transport).listGuests({ targetId: 'mem-1' }));
      expect([name, code]).toEqual([name, Code.Unauthenticated]);
    }
  });

  it('rejects duplicated Authorization headers with 400', async () => {
    const { port } = new URL(url);
    const head = await new Promise<string>((resolve, reject) => {
      const socket = netConnect(Number(port), '127.0.0.1', () => {
        socket.end(
          [
            'POST /hvc.v1.TargetService/ListTargets HTTP/1.1',
            'Host: 127.0.0.1',
            'Content-Type: application/json',
            `Authorization: Bearer ${tokens.alice}`,
            `Authorization: Bearer ${tokens.oscar}`,
            'Content-Length: 2',
            'Connection: close',
            '',
            '{}',
          ].join('\r\n'),
        );
      });
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        text += chunk;
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(head).toMatch(/^HTTP\/1.1 400 /);
    expect(head.toLowerCase()).toContain('www-authenticate: bearer realm="hvc", error="invalid_request"');
  });

  it('lets the viewer list guests on every protocol, and refuses to let them start one', async () => {
    for (const [name, transport] of Object.entries(transports())) {
      const guests = createClient(GuestService, transport);
      const page = await guests.listGuests({ targetId: 'mem-1' }, auth('victor'));
      expect([name, page.guests.map((g) => g.id)]).toEqual([name, ['container/101', 'vm/100']]);
      const code = await codeOf(guests.startGuest({ targetId: 'mem-1', guestId: 'vm/100' }, auth('victor')));
      expect([name, code]).toEqual([name, Code.PermissionDenied]);
    }
  });

  it('pages guest lists with a token', async () => {
    const guests = createClient(GuestService, transports().connect!);
    const first = await guests.listGuests({ targetId: 'mem-1', pageSize: 1 }, auth('victor'));
    expect(first.guests).toHaveLength(1);
    const second = await guests.listGuests(
      { targetId: 'mem-1', pageSize: 1, pageToken: first.nextPageToken },
      auth('victor'),
    );
    expect(second.guests).toHaveLength(1);
    expect(second.nextPageToken).toBe('');
    expect(second.guests[0]!.id).not.toBe(first.guests[0]!.id);
  });

  it('lets the admin start a guest and watch the operation to success, on every protocol', async () => {
    let i = 0;
    for (const [name, transport] of Object.entries(transports())) {
      const guests = createClient(GuestService, transport);
      const operations = createClient(OperationService, transport);
      const action = i++ % 2 === 0 ? 'startGuest' : 'stopGuest';
      const { operation } = await guests[action]({ targetId: 'mem-1', guestId: 'vm/100' }, auth('alice'));
      expect(operation?.status).toBe(OperationStatus.RUNNING);
      const seen: OperationStatus[] = [];
      for await (const update of operations.watchOperation(
        { targetId: 'mem-1', operationId: operation!.id },
        auth('alice'),
      )) {
        seen.push(update.operation!.status);
      }
      // Every message before the last reports it running; the last one, that it succeeded.
      expect([name, seen.at(-1), seen.slice(0, -1).every((s) => s === OperationStatus.RUNNING)]).toEqual([
        name,
        OperationStatus.SUCCEEDED,
        true,
      ]);
    }
    const guest = await createClient(GuestService, transports().grpc!).getGuest(
      { targetId: 'mem-1', guestId: 'vm/100' },
      auth('alice'),
    );
    expect(guest.guest?.name).toBe('web-1');
  });

  it("answers NOT_FOUND to another organisation's user, and lists nothing of ours", async () => {
    for (const [name, transport] of Object.entries(transports())) {
      const guests = createClient(GuestService, transport);
      for (const call of [
        () => guests.getGuest({ targetId: 'mem-1', guestId: 'vm/100' }, auth('oscar')),
        () => guests.startGuest({ targetId: 'mem-1', guestId: 'vm/100' }, auth('oscar')),
        () => guests.listGuests({ targetId: 'mem-1' }, auth('oscar')),
      ]) {
        expect([name, await codeOf(call())]).toEqual([name, Code.NotFound]);
      }
      const watch = createClient(OperationService, transport).watchOperation(
        { targetId: 'mem-1', operationId: 'memory:op:1' },
        auth('oscar'),
      );
      expect([
        name,
        await codeOf(
          (async () => {
            for await (const _ of watch) {
              /* drain */
            }
          })(),
        ),
      ]).toEqual([name, Code.NotFound]);
      const targets = await createClient(TargetService, transport).listTargets({}, auth('oscar'));
      expect(targets.targets).toEqual([]);
    }
  });

  it('applies disabling a user on the next call with the same token', async () => {
    const guests = createClient(GuestService, transports().connect!);
    expect(await codeOf(guests.getGuest({ targetId: 'mem-1', guestId: 'vm/100' }, auth('victor')))).toBe(
      'ok',
    );
    const members = createClient(MemberService, transports().grpc!);
    expect(await codeOf(members.disableMember({ userId: victorId }, auth('victor')))).toBe(
      Code.PermissionDenied,
    );
    const { member } = await members.disableMember({ userId: victorId }, auth('alice'));
    expect(member?.disabled).toBe(true);
    for (const [name, transport] of Object.entries(transports())) {
      const code = await codeOf(
        createClient(GuestService, transport).getGuest(
          { targetId: 'mem-1', guestId: 'vm/100' },
          auth('victor'),
        ),
      );
      expect([name, code]).toEqual([name, Code.PermissionDenied]);
    }
  });

  it('refuses unknown JSON fields and oversized bodies', async () => {
    const post = (body: string) =>
      fetch(`${url}/hvc.v1.GuestService/GetGuest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.alice}` },
        body,
      });
    const unknown = await post(JSON.stringify({ targetId: 'mem-1', guestId: 'vm/100', orgId: 'globex' }));
    expect(unknown.status).toBe(400);
    const huge = await post(JSON.stringify({ targetId: 'mem-1', guestId: 'x'.repeat(2 * 1024 * 1024) }));
    expect((await huge.json()) as { code: string }).toMatchObject({ code: 'resource_exhausted' });
    const badId = await post(JSON.stringify({ targetId: 'mem-1', guestId: '../../etc' }));
    expect(badId.status).toBe(400);
  });

  it('serves health without a token and reflection with one', async () => {
    const health = createClient(Health, transports().grpc!);
    expect((await health.check({})).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    expect((await health.check({ service: 'hvc.v1.GuestService' })).status).toBe(
      HealthCheckResponse_ServingStatus.SERVING,
    );
    const reflection = createClient(ServerReflection, transports().grpc!);
    async function* one() {
      yield { host: '', messageRequest: { case: 'listServices' as const, value: '' } };
    }
    const names: string[] = [];
    for await (const res of reflection.serverReflectionInfo(one(), auth('alice'))) {
      if (res.messageResponse.case === 'listServicesResponse') {
        names.push(...res.messageResponse.value.service.map((s) => s.name));
      }
    }
    expect(names).toContain('hvc.v1.GuestService');
    expect(
      await codeOf(
        (async () => {
          for await (const _ of reflection.serverReflectionInfo(one())) {
            /* drain */
          }
        })(),
      ),
    ).toBe(Code.Unauthenticated);
  });

  // Ops endpoints, logs and the resolver's breaker metrics belong to the bin.
  if (variant === 'bin') {
    it('fails fast on a dead target once its circuit breaker opens, and reports the breaker', async () => {
      const targets = createClient(TargetService, transports().connect!);
      await targets.createTarget(
        {
          targetId: 'dead',
          kind: 'proxmox',
          config: {
            endpoints: ['https://127.0.0.1:1'],
            readAttempts: 1,
            timeouts: { connectMs: 500, requestMs: 1000 },
          },
          credentials: { tokenId: 'hvc@pve!api', secret: 'not-used' },
        },
        auth('alice'),
      );
      const guests = createClient(GuestService, transports().connect!);
      const codes: Array<Code | 'ok'> = [];
      for (let i = 0; i < 7; i++)
        codes.push(await codeOf(guests.listGuests({ targetId: 'dead' }, auth('alice'))));
      expect(new Set(codes)).toEqual(new Set([Code.Unavailable]));
      const connectivity = await targets.testTargetConnectivity({ targetId: 'dead' }, auth('alice'));
      expect(connectivity).toMatchObject({ ok: false, errorCode: 'UNAVAILABLE' });
      const metrics = await (await fetch(metricsUrl)).text();
      expect(metrics).toContain('hvc_target_breakers{state="open"} 1');
      expect(metrics).toMatch(
        /hvc_connector_calls_total\{kind="proxmox",method="listGuests",outcome="UNAVAILABLE"\} \d/,
      );
      // Bounded labels: no series names a target.
      expect(metrics).not.toMatch(/target="/);
    });

    it('reports readiness and metrics, and audits mutating calls', async () => {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${url}/readyz`)).json()).toEqual({
        ready: true,
        checks: { database: true, jwks: true, encryptionKey: true },
      });
      // Metrics live on their own listener: the API port, open to every organisation, does not serve them.
      expect((await fetch(`${url}/metrics`)).status).toBe(401);
      const metrics = await (await fetch(metricsUrl)).text();
      expect(metrics).toMatch(
        /hvc_rpc_duration_seconds_count\{method="hvc.v1.GuestService\/StartGuest",code="PermissionDenied"\} \d/,
      );
      expect(metrics).toMatch(/hvc_auth_failures_total\{reason="missing_token"\} \d/);
      expect(metrics).toMatch(
        /hvc_connector_calls_total\{kind="memory",method="startGuest",outcome="ok"\} \d/,
      );
      const store = await openSqliteStore(database, createCredentialCipher(key));
      const events = await store.audit.list({ limit: 500 });
      await store.close();
      expect(events).toContainEqual(
        expect.objectContaining({
          action: 'hvc.v1.GuestService/StartGuest',
          outcome: 'ok',
          organizationId: 'acme',
          targetId: 'mem-1',
          guestId: 'vm/100',
          operationId: expect.any(String),
        }),
      );
      expect(events).toContainEqual(
        expect.objectContaining({
          action: 'hvc.v1.GuestService/StartGuest',
          outcome: 'error',
          errorCode: 'permission_denied',
        }),
      );
      expect(server!.output.join('\n')).not.toContain(tokens.alice.split('.')[2]);
    });
  }
});
