import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGuestFleet } from '../src/responder/guest-fleet.js';
import { ResponderServer } from '../src/responder/responder-server.js';
import { createBenchCertificate } from '../src/tls/bench-certificate.js';

const AUTHORIZATION = 'PVEAPIToken=root@pam!bench=5f2c7a4e-1b3d-4c8e-9a6f-0d2e4b6c8a1f';

describe('ResponderServer over HTTPS', () => {
  let server: ResponderServer;
  let pool: Pool;
  let origin: string;
  let ca: string;

  beforeAll(async () => {
    const certificate = await createBenchCertificate();
    server = new ResponderServer({
      fleet: buildGuestFleet(50, 2),
      taskDurationMs: 3_600_000,
      key: certificate.key,
      cert: certificate.cert,
      authorization: AUTHORIZATION,
    });
    origin = `https://127.0.0.1:${await server.listen()}`;
    ca = certificate.cert;
    pool = new Pool(origin, { connections: 8, connect: { ca } });
  });

  afterAll(async () => {
    await pool.close();
    await server.close();
  });

  const get = (path: string, authorization = AUTHORIZATION) =>
    pool.request({ method: 'GET', path, headers: { authorization } });

  it('answers with the PVE content type and length, trusted through its certificate', async () => {
    server.reset();
    const response = await get('/api2/json/cluster/resources?type=vm');
    const body = (await response.body.json()) as { data: unknown[] };
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(body.data).toHaveLength(50);
  });

  it('refuses a request without the API token and counts it', async () => {
    server.reset();
    const response = await get('/api2/json/version', 'PVEAPIToken=root@pam!bench=wrong');
    await response.body.dump();
    expect(response.statusCode).toBe(401);
    expect(server.stats().unauthenticated).toBe(1);
  });

  it('counts requests by kind, sockets, the most in flight and the paths it does not serve', async () => {
    server.reset();
    const fresh = new Pool(origin, { connections: 4, connect: { ca } });
    try {
      const request = (path: string) =>
        fresh
          .request({ method: 'GET', path, headers: { authorization: AUTHORIZATION } })
          .then(async (response) => {
            await response.body.dump();
            return response.statusCode;
          });
      const statuses = await Promise.all([
        ...Array.from({ length: 8 }, () => request('/api2/json/nodes/pve1/qemu/100/status/current')),
        request('/api2/json/nodes/pve1/storage'),
      ]);
      expect(statuses).toEqual([...Array(8).fill(200), 501]);
    } finally {
      await fresh.close();
    }
    const stats = server.stats();
    expect(stats.requests).toBe(9);
    expect(stats.byKind['guest-status']).toBe(8);
    expect(stats.byKind.unknown).toBe(1);
    expect(stats.unknownRequests).toEqual(['GET /api2/json/nodes/pve1/storage']);
    expect(stats.socketsOpened).toBeGreaterThanOrEqual(1);
    expect(stats.socketsOpened).toBeLessThanOrEqual(4);
    expect(stats.maxInFlight).toBeGreaterThanOrEqual(1);
    expect(stats.maxInFlight).toBeLessThanOrEqual(4);
  });
});
