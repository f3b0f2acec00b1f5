import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { WatchGuestsResponseSchema } from '@hvc/client/v1';
import type { GuestEvent } from '@hvc/hypervisor-connector';
import { guestToProto } from './proto-mapping.js';

type WatchGuestsMessage = MessageInitShape<typeof WatchGuestsResponseSchema>;

/** A contract guest event as one `WatchGuestsResponse` of target `targetId`. */
export function guestEventToProto(event: GuestEvent, targetId: string, binary: boolean): WatchGuestsMessage {
  const guest = (g: Parameters<typeof guestToProto>[0]) => guestToProto(g, targetId, { binary });
  const time = timestampFromMs(Date.parse(event.at));
  switch (event.type) {
    case 'sync':
      return { event: { case: 'sync', value: { guests: event.guests.map(guest) } }, time };
    case 'added':
      return { event: { case: 'added', value: { guest: guest(event.guest) } }, time };
    case 'changed':
      return {
        event: {
          case: 'changed',
          value: { guest: guest(event.guest), previous: guest(event.previous), fields: [...event.fields] },
        },
        time,
      };
    case 'removed':
      return {
        event: { case: 'removed', value: { guestId: event.guestId, previous: guest(event.previous) } },
        time,
      };
  }
}

/** A heartbeat sent at `nowMs`. */
export function heartbeatMessage(nowMs: number): WatchGuestsMessage {
  return { event: { case: 'heartbeat', value: {} }, time: timestampFromMs(nowMs) };
}
