/**
 * The API as a port scanner, and configs accepted unchecked: red-team case 6. Configs are checked with their
 * connector's own schema when written; a connectivity test answers the same words after the same time for a closed
 * port and for one that never answers; each organisation's probes are budgeted; only admins probe.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { JsonObject } from '@bufbuild/protobuf';
import { Code, createClient, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { TargetService } from '@hvc/client/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOLS, type Protocol } from './support/raw-call.js';
import { type SecurityStack, startSecurityStack } from './support/security-stack.js';
import { failure } from './support/served-from-env.js';

const WINDOW_MS = 1_200;
const PER_MINUTE = 12;
const FINGERPRINT = Array.from({ length: 32 }, () => 'AB').join(':');
const CREDENTIALS = { type: 'token', tokenId: 'hvc@pve!probe', secret: 'probe-secret' };

let s: SecurityStack;
/** Accepts connections and never writes a byte: to the client, a port whose packets go nowhere. */
let silent: Server;
const held: Socket[] = [];
let closedPort = 0;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

beforeAll(async () => {
  s = await startSecurityStack({
    limits: { targetProbesPerMinute: PER_MINUTE, targetProbeWindowMs: WINDOW_MS },
  });
  silent = createServer((socket) => held.push(socket));
  await listen(silent);
  const gone = createServer();
  closedPort = await listen(gone);
  await new Promise((resolve) => gone.close(resolve));
}, 30_000);
afterAll(async () => {
  for (const socket of held) socket.destroy();
  silent?.close();
  await s?.close();
});

function transport(p: Protocol): Transport {
  return p === 'connect'
    ? createConnectTransport({ baseUrl: s.url, httpVersion: '1.1' })
    : createGrpcTransport({ baseUrl: s.url });
}

const as = async (user: Parameters<SecurityStack['token']>[0]) => ({
  headers: { authorization: `Bearer ${await s.token(user)}` },
});

describe.each(PROTOCOLS)('target configs and probes (%s)', (p) => {
  it("refuses a config its connector's schema refuses when it is written, naming the field, storing nothing", async () => {
    const targets = createClient(TargetService, transport(p));
    const gadmin = await as('gadmin');
    const cases: [JsonObject, string][] = [
      [{ endpoints: [`http://127.0.0.1:${closedPort}`] }, 'config.endpoints'],
      [
        { endpoints: [{ url: 'https://pve.example:8006', fingerprint: 'zz:not-a-fingerprint' }] },
        'fingerprint',
      ],
    ];
    for (const [config, field] of cases) {
      const refused = await failure(
        targets.createTarget(
          { targetId: `bad-${p}`, kind: 'proxmox', config, credentials: CREDENTIALS },
          gadmin,
        ),
      );
      expect(refused?.code, JSON.stringify(config)).toBe(Code.InvalidArgument);
      expect(refused?.rawMessage).toContain(field);
      expect(refused?.rawMessage).not.toContain('not-a-fingerprint');
      expect(await s.store.targets.get('globex', `bad-${p}`)).toBeUndefined();
    }
    const unknownKind = await failure(
      targets.createTarget({ targetId: `bad-${p}`, kind: 'vmware', config: {} }, gadmin),
    );
    expect(unknownKind?.code).toBe(Code.InvalidArgument);
    expect(unknownKind?.rawMessage).toContain('vmware');

    // A change is checked as the whole target will be: new config, stored credentials.
    await targets.createTarget(
      {
        targetId: `good-${p}`,
        kind: 'proxmox',
        config: { endpoints: [{ url: 'https://pve.example:8006', fingerprint: FINGERPRINT }] },
        credentials: CREDENTIALS,
      },
      gadmin,
    );
    const update = await failure(
      targets.updateTarget(
        { targetId: `good-${p}`, config: { endpoints: ['http://pve.example:8006'] } },
        gadmin,
      ),
    );
    expect(update?.code).toBe(Code.InvalidArgument);
    expect((await s.store.targets.get('globex', `good-${p}`))?.config).toEqual({
      endpoints: [{ url: 'https://pve.example:8006', fingerprint: FINGERPRINT }],
    });
    await targets.deleteTarget({ targetId: `good-${p}` }, gadmin);
  });

  it('answers a connectivity test the same, after the same time, for a closed port and a silent one', async () => {
    const targets = createClient(TargetService, transport(p));
    const alice = await as('alice');
    const timed = async (port: number, name: string) => {
      await targets.createTarget(
        {
          targetId: name,
          kind: 'proxmox',
          config: { endpoints: [{ url: `https://127.0.0.1:${port}`, fingerprint: FINGERPRINT }] },
          credentials: CREDENTIALS,
        },
        alice,
      );
      const started = performance.now();
      const answer = await targets.testTargetConnectivity({ targetId: name }, alice);
      const ms = performance.now() - started;
      await targets.deleteTarget({ targetId: name }, alice);
      return { answer: { ok: answer.ok, code: answer.errorCode, message: answer.errorMessage }, ms };
    };
    const closed = await timed(closedPort, `closed-${p}`);
    const quiet = await timed((silent.address() as { port: number }).port, `silent-${p}`);
    expect(closed.answer).toEqual(quiet.answer);
    expect(closed.answer).toEqual({
      ok: false,
      code: 'UNAVAILABLE',
      message: 'the target could not be reached',
    });
    for (const { ms } of [closed, quiet]) {
      expect(ms).toBeGreaterThanOrEqual(WINDOW_MS - 5);
      expect(ms).toBeLessThan(WINDOW_MS + 400);
    }
  });
});

describe('probe budget and roles', () => {
  it("spends each organisation's own budget on tests and target writes, refuses past it, and refills it evenly", async () => {
    const targets = createClient(TargetService, transport('connect'));
    // The budget runs on the stack clock, frozen here: nothing refills between two calls, however slow the machine.
    s.clock.frozenAt = Date.now();
    try {
      const gadmin = await as('gadmin');
      const probe = async () => {
        const refused = await failure(targets.testTargetConnectivity({ targetId: 'mem-b' }, gadmin));
        return refused === undefined ? 'ok' : refused.code;
      };
      // The cases above spent some of globex's budget; a minute later it is full again. Spend it, then one more.
      s.clock.frozenAt += 60_000;
      const outcomes: Array<Code | 'ok'> = [];
      for (let i = 0; i < PER_MINUTE + 1; i++) outcomes.push(await probe());
      expect(outcomes).toEqual([...Array<'ok'>(PER_MINUTE).fill('ok'), Code.ResourceExhausted]);
      const create = await failure(
        targets.createTarget({ targetId: 'one-more', kind: 'memory', config: {} }, gadmin),
      );
      expect(create?.code).toBe(Code.ResourceExhausted);
      expect(await s.store.targets.get('globex', 'one-more')).toBeUndefined();
      // Another organisation's budget is its own.
      expect((await targets.testTargetConnectivity({ targetId: 'mem-a' }, await as('alice'))).ok).toBe(true);

      // One probe comes back every 60 s / PER_MINUTE, not a moment sooner.
      const refillMs = 60_000 / PER_MINUTE;
      s.clock.frozenAt += refillMs - 1;
      expect(await probe()).toBe(Code.ResourceExhausted);
      s.clock.frozenAt += 1;
      expect(await probe()).toBe('ok');
      expect(await probe()).toBe(Code.ResourceExhausted);
    } finally {
      s.clock.frozenAt = undefined;
    }
  });

  it('lets admins only test connectivity', async () => {
    const targets = createClient(TargetService, transport('grpc'));
    for (const user of ['viewer', 'op'] as const) {
      const refused = await failure(targets.testTargetConnectivity({ targetId: 'mem-a' }, await as(user)));
      expect(refused?.code).toBe(Code.PermissionDenied);
    }
  });
});
