import { execFile } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { Code, createClient } from '@connectrpc/connect';
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from '@connectrpc/connect-node';
import { GuestService, OperationService, OperationStatus } from '@hvc/client/v1';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/bootstrap/demo/run-demo.js';
import { codeOf } from './support/call-code.js';
import { startServerProcess } from './support/server-process.js';

interface DemoLine {
  url: string;
  metricsUrl: string;
  adminToken: string;
  viewerToken: string;
  otherOrgToken: string;
  targetId: string;
  guestId: string;
}

describe('hvc-server demo', () => {
  // Each test starts the bin from source: allow for a slow, busy machine.
  it('prints one JSON line when ready and serves the demo target through the Proxmox connector', {
    timeout: 90_000,
  }, async () => {
    const demo = startServerProcess(['demo', '--json'], { HVC_PORT: '0' });
    try {
      const info = await demo.waitFor<DemoLine>((line) => typeof line.adminToken === 'string');
      expect(Object.keys(info).sort()).toEqual(
        ['adminToken', 'guestId', 'metricsUrl', 'otherOrgToken', 'targetId', 'url', 'viewerToken'].sort(),
      );
      expect(await (await fetch(`${info.url}/readyz`)).json()).toMatchObject({ ready: true, devAuth: true });
      expect(await (await fetch(info.metricsUrl)).text()).toContain('hvc_dev_auth_enabled 1');
      expect((await fetch(`${info.url}/metrics`)).status).not.toBe(200);
      const as = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
      const guest = { targetId: info.targetId, guestId: info.guestId };

      const connect = createClient(
        GuestService,
        createConnectTransport({ baseUrl: info.url, httpVersion: '1.1' }),
      );
      const listed = await connect.listGuests({ targetId: info.targetId }, as(info.viewerToken));
      expect(listed.guests.map((g) => g.id)).toContain(info.guestId);

      const grpc = createClient(GuestService, createGrpcTransport({ baseUrl: info.url }));
      expect(await codeOf(grpc.startGuest(guest, as(info.viewerToken)))).toBe(Code.PermissionDenied);
      expect(await codeOf(grpc.getGuest(guest, as(info.otherOrgToken)))).toBe(Code.NotFound);

      const web = createClient(
        GuestService,
        createGrpcWebTransport({ baseUrl: info.url, httpVersion: '1.1' }),
      );
      const { operation } = await web.startGuest(guest, as(info.adminToken));
      const operations = createClient(OperationService, createGrpcTransport({ baseUrl: info.url }));
      let last: OperationStatus | undefined;
      for await (const update of operations.watchOperation(
        { targetId: info.targetId, operationId: operation!.id },
        as(info.adminToken),
      )) {
        last = update.operation?.status;
      }
      expect(last).toBe(OperationStatus.SUCCEEDED);
      expect((await grpc.getGuest(guest, as(info.viewerToken))).guest?.state).toBe(1);
    } finally {
      expect(await demo.stop()).toBe(0);
    }
  });

  it('prints a curl command that works as printed', { timeout: 90_000 }, async () => {
    const demo = startServerProcess(['demo'], { HVC_PORT: '0' });
    try {
      const curlLine = await demo.waitFor<{ text: string }>(
        (line) => typeof line.text === 'string' && line.text.includes('GuestService/ListGuests'),
      );
      const token = demo.output.find((line) => line.includes('export VIEWER_TOKEN='))!.split('=')[1]!;
      const { stdout } = await promisify(execFile)('sh', ['-c', curlLine.text.trim()], {
        env: { PATH: process.env.PATH ?? '', VIEWER_TOKEN: token },
      });
      const body = JSON.parse(stdout) as { guests: Array<{ id: string; name: string }> };
      expect(body.guests.map((g) => g.name).sort()).toEqual(['cache-1', 'db-1', 'web-1']);
    } finally {
      expect(await demo.stop()).toBe(0);
    }
  });

  it('refuses production and non-loopback addresses before starting anything', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ NODE_ENV: 'production' }, /refuses to run with NODE_ENV=production/],
      [{ HVC_HOST: '0.0.0.0' }, /refuses to listen on a non-loopback address/],
    ];
    for (const [env, message] of cases) {
      const out = new PassThrough();
      await expect(
        runDemo({
          json: true,
          env: { HVC_PORT: '0', ...env },
          stdout: out,
          stderr: out,
          until: Promise.resolve(),
        }),
      ).rejects.toThrow(message);
    }
  });
});
