import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { GuestService } from '@hvc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGuestFleet } from '../src/responder/guest-fleet.js';
import { ResponderServer } from '../src/responder/responder-server.js';
import {
  type BareGuestServer,
  listGuestIds,
  recordAnswers,
  startBareGuestServer,
} from '../src/server/bare-guest-server.js';
import { type BenchServer, startBenchServer } from '../src/server/bench-server-setup.js';
import { startReadingBareGuestServer } from '../src/server/reading-bare-guest-server.js';
import { BENCH_MEMORY_TARGET_ID, BENCH_TARGET_ID, type TenantAccess } from '../src/server/server-protocol.js';
import { createBenchCertificate } from '../src/tls/bench-certificate.js';

const TOKEN_ID = 'root@pam!bench';
const TOKEN_SECRET = '5f2c7a4e-1b3d-4c8e-9a6f-0d2e4b6c8a1f';

// The server scenario's set-up as the bench runs it (its configuration, organisation, operator and target at the
// load's concurrency), against the responder over real sockets: every way the scenario measures must answer.
describe('the server scenario set-up', () => {
  let responder: ResponderServer;
  let server: BenchServer;
  let bare: BareGuestServer;
  let bareRead: BareGuestServer;
  let memoryGuestIds: string[];
  const guestIds = buildGuestFleet(3, 2).guests.map((guest) => `${guest.type}/${guest.vmid}`);

  beforeAll(async () => {
    const certificate = await createBenchCertificate();
    responder = new ResponderServer({
      fleet: buildGuestFleet(50, 2),
      taskDurationMs: 3_600_000,
      key: certificate.key,
      cert: certificate.cert,
      authorization: `PVEAPIToken=${TOKEN_ID}=${TOKEN_SECRET}`,
    });
    const port = await responder.listen();
    const launch = {
      origin: `https://127.0.0.1:${port}`,
      certFile: certificate.certFile,
      tokenId: TOKEN_ID,
      tokenSecret: TOKEN_SECRET,
      // The scenario's load: above the tenant default, which only the server's operator may allow.
      concurrency: 128,
      guestIds,
      tenants: { organisations: 2, targetsPerOrganisation: 2 },
    };
    server = await startBenchServer(launch);
    memoryGuestIds = await listGuestIds(
      server.running.url,
      server.token,
      BENCH_MEMORY_TARGET_ID,
      guestIds.length,
    );
    const answers = await recordAnswers(server.running.url, server.token, [
      { targetId: BENCH_TARGET_ID, guestIds },
      { targetId: BENCH_MEMORY_TARGET_ID, guestIds: memoryGuestIds },
    ]);
    bare = await startBareGuestServer(server.module.listenOnePort, answers);
    bareRead = await startReadingBareGuestServer(server.module.listenOnePort, answers, launch);
  });

  afterAll(async () => {
    await bareRead?.close();
    await bare?.close();
    await server?.close();
    await responder?.close();
  });

  const client = (baseUrl: string, grpc: boolean) =>
    createClient(
      GuestService,
      grpc
        ? createGrpcTransport({ baseUrl })
        : createConnectTransport({ baseUrl, httpVersion: '1.1', useBinaryFormat: false }),
    );

  it('gives each organisation of the scale scenario its operator and targets, and only its own', async () => {
    expect(server.tenants.map((tenant) => tenant.targetIds)).toEqual([
      ['bench-pve-1-1', 'bench-pve-1-2'],
      ['bench-pve-2-1', 'bench-pve-2-2'],
    ]);
    const [first, second] = server.tenants as [TenantAccess, TenantAccess];
    const guests = client(server.running.url, false);
    const guestId = guestIds[0] as string;
    const own = await guests.getGuest(
      { targetId: 'bench-pve-1-2', guestId },
      { headers: { authorization: `Bearer ${first.token}` } },
    );
    expect(own.guest?.targetId).toBe('bench-pve-1-2');
    await expect(
      guests.getGuest(
        { targetId: second.targetIds[0] as string, guestId },
        { headers: { authorization: `Bearer ${first.token}` } },
      ),
    ).rejects.toThrow(/not_found|permission_denied/);
  });

  it("serves a memory target with as many guests as the sample, shaped like the responder's", async () => {
    expect(memoryGuestIds).toHaveLength(guestIds.length);
    const answer = await client(server.running.url, false).getGuest(
      { targetId: BENCH_MEMORY_TARGET_ID, guestId: memoryGuestIds[0] as string },
      { headers: { authorization: `Bearer ${server.token}` } },
    );
    expect(answer.guest).toMatchObject({ targetId: BENCH_MEMORY_TARGET_ID, name: 'bench-guest-0' });
  });

  for (const [name, grpc] of [
    ['Connect JSON', false],
    ['gRPC', true],
  ] as const) {
    for (const [kind, targetId, ids] of [
      ['Proxmox', BENCH_TARGET_ID, () => guestIds],
      ['memory', BENCH_MEMORY_TARGET_ID, () => memoryGuestIds],
    ] as const) {
      it(`answers GetGuest of the ${kind} target over ${name} through hvc-server and the bare baseline, alike`, async () => {
        const headers = { authorization: `Bearer ${server.token}` };
        const guestId = ids()[1] as string;
        const viaServer = await client(server.running.url, grpc).getGuest({ targetId, guestId }, { headers });
        expect(viaServer.guest?.id).toBe(guestId);
        expect(viaServer.guest?.targetId).toBe(targetId);
        const viaBare = await client(bare.url, grpc).getGuest({ targetId, guestId }, { headers });
        // The memory connector's uptime is live: the bare answer was recorded up to a second earlier.
        const settled = (answer: typeof viaServer) => ({
          ...answer.guest,
          usage: { ...answer.guest?.usage, uptimeSeconds: 0n },
        });
        expect(settled(viaBare)).toEqual(settled(viaServer));
      });
    }
  }

  for (const [name, grpc] of [
    ['Connect JSON', false],
    ['gRPC', true],
  ] as const) {
    it(`answers GetGuest over ${name} with the recorded message after reading the guest from the responder (the read baseline)`, async () => {
      const guestId = guestIds[2] as string;
      // The connector's first call also learns the cluster's nodes and where the guest lives.
      await client(bareRead.url, grpc).getGuest({ targetId: BENCH_TARGET_ID, guestId });
      const before = responder.stats().requests;
      const answer = await client(bareRead.url, grpc).getGuest({ targetId: BENCH_TARGET_ID, guestId });
      // The connector's getGuest: the guest's status and its pending config, as hvc-server reads them.
      expect(responder.stats().requests - before).toBe(2);
      const recorded = await client(bare.url, grpc).getGuest({ targetId: BENCH_TARGET_ID, guestId });
      expect(answer).toEqual(recorded);
    });
  }

  it('refuses a target other than the Proxmox one in the read baseline', async () => {
    const refusal = await client(bareRead.url, false)
      .getGuest({ targetId: BENCH_MEMORY_TARGET_ID, guestId: memoryGuestIds[0] as string })
      .then(
        () => undefined,
        (error: unknown) => ConnectError.from(error),
      );
    expect(refusal?.code).toBe(Code.NotFound);
    expect(refusal?.rawMessage).toBe('the read baseline serves bench-pve only');
  });
});
