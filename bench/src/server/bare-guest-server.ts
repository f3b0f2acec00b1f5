import { type ConnectRouter, createClient } from '@connectrpc/connect';
import { connectNodeAdapter, createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { GuestService } from '@hvc/client';
import type { GetGuestResponse } from '@hvc/client/v1';

/** The server's one-port listener, as `@hvc/server` exports it (loaded by name by the caller). */
export type ListenOnePort = (
  listener: (req: never, res: never) => void,
  options: { host: string; port: number },
) => Promise<{ readonly url: string; close(drainMs?: number): Promise<void> }>;

/** A read of one guest that a baseline makes before it answers; its result is dropped. */
export type GuestRead = (targetId: string, guestId: string, signal: AbortSignal) => Promise<unknown>;

/** A running bare ConnectRPC server. */
export interface BareGuestServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The GetGuest answers of a sample, as hvc-server gave them, by {@link answerKey}: JSON-form and binary-form
 * messages differ.
 */
export interface RecordedAnswers {
  readonly json: ReadonlyMap<string, GetGuestResponse>;
  readonly binary: ReadonlyMap<string, GetGuestResponse>;
}

/** The guests whose answers are recorded, per target. */
export type RecordedGuests = ReadonlyArray<{
  readonly targetId: string;
  readonly guestIds: readonly string[];
}>;

/** Where a recorded answer is kept: a guest id names a guest within its target only. */
function answerKey(targetId: string, guestId: string): string {
  return `${targetId}\u0000${guestId}`;
}

/**
 * Asks hvc-server (at `url`, with `token`) once for each guest of `guests` over Connect JSON and over gRPC, and
 * keeps the answers: the bare baseline then sends exactly the messages hvc-server sends.
 */
export async function recordAnswers(
  url: string,
  token: string,
  guests: RecordedGuests,
): Promise<RecordedAnswers> {
  const headers = { authorization: `Bearer ${token}` };
  const record = async (binary: boolean) => {
    const transport = binary
      ? createGrpcTransport({ baseUrl: url })
      : createConnectTransport({ baseUrl: url, httpVersion: '1.1', useBinaryFormat: false });
    const client = createClient(GuestService, transport);
    const answers = new Map<string, GetGuestResponse>();
    for (const { targetId, guestIds } of guests) {
      for (const guestId of guestIds) {
        answers.set(answerKey(targetId, guestId), await client.getGuest({ targetId, guestId }, { headers }));
      }
    }
    return answers;
  };
  return { json: await record(false), binary: await record(true) };
}

/** The ids of the first `count` guests hvc-server lists on `targetId` (one page). */
export async function listGuestIds(
  url: string,
  token: string,
  targetId: string,
  count: number,
): Promise<string[]> {
  const transport = createConnectTransport({ baseUrl: url, httpVersion: '1.1', useBinaryFormat: false });
  const client = createClient(GuestService, transport);
  const listed = await client.listGuests(
    { targetId, pageSize: count },
    { headers: { authorization: `Bearer ${token}` } },
  );
  return listed.guests.slice(0, count).map((guest) => guest.id);
}

/**
 * The baseline of the server scenario: a ConnectRPC router with only `GetGuest`, answering from memory with the
 * message hvc-server gave for that guest of that target, on the server's own one-port listener (`listenOnePort`, plaintext
 * HTTP/1.1 and h2c on one port) and the same adapter options that shape the wire (JSON that refuses unknown
 * fields, a 1 MiB read limit, compression from 64 KiB). No authentication, authorization, storage, audit,
 * metrics, logging or mapping: what hvc-server costs beyond it is what it does for a call. With `readGuest`, each call
 * first reads the guest through it (the connector's `getGuest`, awaited, its result dropped) and then answers the
 * same recorded message: the baseline that makes the same hypervisor read as hvc-server and nothing else.
 */
export async function startBareGuestServer(
  listenOnePort: ListenOnePort,
  answers: RecordedAnswers,
  readGuest?: GuestRead,
): Promise<BareGuestServer> {
  const routes = (router: ConnectRouter) =>
    router.service(GuestService, {
      async getGuest(req, ctx) {
        if (readGuest) await readGuest(req.targetId, req.guestId, ctx.signal);
        const binary = ctx.requestHeader.get('content-type')?.startsWith('application/grpc') ?? false;
        const answer = (binary ? answers.binary : answers.json).get(answerKey(req.targetId, req.guestId));
        if (!answer) throw new Error(`no recorded answer for guest ${req.guestId} of ${req.targetId}`);
        return answer;
      },
    });
  const handler = connectNodeAdapter({
    routes,
    readMaxBytes: 1024 * 1024,
    compressMinBytes: 64 * 1024,
    jsonOptions: { ignoreUnknownFields: false },
  });
  const server = await listenOnePort(handler as (req: never, res: never) => void, {
    host: '127.0.0.1',
    port: 0,
  });
  return { url: server.url, close: () => server.close(0) };
}
