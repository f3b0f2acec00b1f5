import { ConnectError } from '@connectrpc/connect';
import { createHvcClient, createWebTransport, wire } from '@hvc/client';
import { createNodeTransport } from '@hvc/client/node';
import { describe, expect, it } from 'vitest';
import { startServerProcess } from './support/server-process.js';

interface DemoLine {
  url: string;
  adminToken: string;
  viewerToken: string;
  targetId: string;
  guestId: string;
}

describe('@hvc/client against hvc-server', () => {
  it('lists, starts and watches over Connect JSON (fetch), gRPC-Web and gRPC, with a token source', {
    timeout: 90_000,
  }, async () => {
    const demo = startServerProcess(['demo', '--json'], { HVC_PORT: '0' });
    try {
      const info = await demo.waitFor<DemoLine>((line) => typeof line.adminToken === 'string');
      let asked = 0;
      const viewer = createHvcClient(createWebTransport({ baseUrl: info.url, token: info.viewerToken }));
      const web = createHvcClient(
        createWebTransport({
          baseUrl: info.url,
          protocol: 'grpc-web',
          token: async () => {
            asked++;
            return info.adminToken;
          },
        }),
      );
      const grpc = createHvcClient(createNodeTransport({ baseUrl: info.url, token: info.adminToken }));

      const { guests } = await viewer.guests.listGuests({ targetId: info.targetId });
      expect(guests.map((g) => g.id)).toContain(info.guestId);
      const refused = await viewer.guests
        .startGuest({ targetId: info.targetId, guestId: info.guestId })
        .catch((error: unknown) => ConnectError.from(error));
      expect(refused).toMatchObject({ code: 7 }); // PERMISSION_DENIED: viewers read only

      const { operation } = await web.guests.startGuest({ targetId: info.targetId, guestId: info.guestId });
      expect(asked).toBe(1);
      let last: wire.OperationStatus | undefined;
      for await (const update of grpc.operations.watchOperation({
        targetId: info.targetId,
        operationId: operation!.id,
      })) {
        last = update.operation?.status;
      }
      expect(last).toBe(wire.OperationStatus.SUCCEEDED);
      const { guest } = await grpc.guests.getGuest({ targetId: info.targetId, guestId: info.guestId });
      expect(guest?.state).toBe(wire.GuestState.RUNNING);
    } finally {
      expect(await demo.stop()).toBe(0);
    }
  });
});
