/**
 * ListOperations over real HTTP/2 and HTTP/1.1 with gRPC, gRPC-Web and Connect clients, against memory targets: a
 * viewer lists what an operator started, newest first, filtered by guest, type, status and start; pages carry tokens
 * bound to the organisation, target and list; another organisation's target is NOT_FOUND and a token of another
 * organisation's page is INVALID_ARGUMENT; bad filters name their field; a target without the capability is
 * UNIMPLEMENTED.
 */
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { GuestService, type Operation, OperationService, OperationStatus } from '@hvc/client/v1';
import { beforeAll, describe, expect, it } from 'vitest';
import { TRANSPORTS } from '../support/protocol-transports.js';
import { securitySuite } from '../support/security-suite.js';

const suite = securitySuite(async (stack) => {
  await stack.store.targets.create({
    id: 'mem-unlisted',
    organizationId: 'acme',
    displayName: 'unlisted',
    kind: 'memory',
    config: { guests: [{ type: 'vm', name: 'quiet' }], capabilities: { operationList: false } },
  });
});

const { as } = suite;

/** What a call answered: `ok`, or its code and message. */
async function outcome(call: Promise<unknown>): Promise<{ code: Code | 'ok'; message: string }> {
  try {
    await call;
    return { code: 'ok', message: '' };
  } catch (error) {
    const e = ConnectError.from(error);
    return { code: e.code, message: e.rawMessage };
  }
}

describe.each(Object.keys(TRANSPORTS))('ListOperations over %s', (name) => {
  let guests: ReturnType<typeof createClient<typeof GuestService>>;
  let operations: ReturnType<typeof createClient<typeof OperationService>>;
  beforeAll(() => {
    const transport = TRANSPORTS[name]!(suite.stack.url);
    guests = createClient(GuestService, transport);
    operations = createClient(OperationService, transport);
  });

  /** Starts and stops a guest as `user` and returns both operations once ended. */
  async function startAndStop(
    target = { targetId: 'mem-a', guestId: suite.stack.guests.a },
    user = 'op',
  ): Promise<[Operation, Operation]> {
    const ended = async (operation: Operation | undefined) => {
      let last: Operation | undefined;
      for await (const { operation: o } of operations.watchOperation(
        { targetId: target.targetId, operationId: operation!.id },
        as(user),
      )) {
        last = o;
      }
      expect(last?.status).toBe(OperationStatus.SUCCEEDED);
      return last!;
    };
    const start = await ended((await guests.startGuest(target, as(user))).operation);
    const stop = await ended((await guests.stopGuest(target, as(user))).operation);
    return [start, stop];
  }

  it('lists what an operator started to a viewer, newest first, by guest, type, status and start', async () => {
    const before = new Date(Date.now() - 1000);
    const [start, stop] = await startAndStop();
    const guestId = suite.stack.guests.a;
    const listed = (await operations.listOperations({ targetId: 'mem-a', guestId }, as('viewer'))).operations;
    const ids = listed.map((o) => o.id);
    expect(ids.indexOf(stop.id)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(stop.id)).toBeLessThan(ids.indexOf(start.id));
    expect(listed.every((o) => o.guestId === guestId && o.targetId === 'mem-a')).toBe(true);
    const seconds = listed.map((o) => Number(o.startTime?.seconds));
    expect(seconds).toEqual([...seconds].sort((a, b) => b - a));

    const stops = await operations.listOperations(
      { targetId: 'mem-a', guestId, type: 'stop', status: OperationStatus.SUCCEEDED },
      as('viewer'),
    );
    expect(stops.operations.map((o) => o.id)).toContain(stop.id);
    expect(stops.operations.every((o) => o.type === 'stop' && o.status === OperationStatus.SUCCEEDED)).toBe(
      true,
    );
    const running = await operations.listOperations(
      { targetId: 'mem-a', guestId, status: OperationStatus.RUNNING },
      as('viewer'),
    );
    expect(running.operations.map((o) => o.id)).not.toContain(stop.id);
    const since = await operations.listOperations(
      { targetId: 'mem-a', guestId, since: timestampFromDate(before) },
      as('viewer'),
    );
    expect(since.operations.map((o) => o.id)).toEqual(expect.arrayContaining([start.id, stop.id]));
    const future = await operations.listOperations(
      { targetId: 'mem-a', guestId, since: timestampFromDate(new Date(Date.now() + 3_600_000)) },
      as('viewer'),
    );
    expect(future.operations).toEqual([]);
  });

  it('pages with tokens that work only for their organisation, target and list', async () => {
    await startAndStop();
    const query = { targetId: 'mem-a', guestId: suite.stack.guests.a, pageSize: 1 };
    const whole = (await operations.listOperations({ ...query, pageSize: 1000 }, as('viewer'))).operations;
    const paged: string[] = [];
    let pageToken = '';
    let first = '';
    do {
      const page = await operations.listOperations({ ...query, pageToken }, as('viewer'));
      expect(page.operations).toHaveLength(1);
      paged.push(page.operations[0]!.id);
      pageToken = page.nextPageToken;
      if (first === '') first = pageToken;
    } while (pageToken !== '');
    expect(paged).toEqual(whole.map((o) => o.id));
    expect(new Set(paged).size).toBe(paged.length);

    // Replayed on another target of the organisation, another organisation's target, or another list.
    for (const [what, call] of [
      ['another target', operations.listOperations({ targetId: 'mem-slow', pageToken: first }, as('viewer'))],
      [
        'another organisation',
        operations.listOperations({ targetId: 'mem-b', pageToken: first }, as('gadmin')),
      ],
    ] as const) {
      const answer = await outcome(call);
      expect(answer.code, `${what}: ${answer.message}`).toBe(Code.InvalidArgument);
      expect(answer.message, what).toContain('page_token');
    }
    // A token of another organisation's page, given back on this organisation's target.
    await startAndStop({ targetId: 'mem-b', guestId: suite.stack.guests.b }, 'gadmin');
    const foreign = await operations.listOperations({ targetId: 'mem-b', pageSize: 1 }, as('gadmin'));
    expect(foreign.nextPageToken).not.toBe('');
    expect(
      (
        await outcome(
          operations.listOperations({ targetId: 'mem-a', pageToken: foreign.nextPageToken }, as('op')),
        )
      ).code,
    ).toBe(Code.InvalidArgument);
  });

  it("answers NOT_FOUND for another organisation's target, before anything else", async () => {
    for (const request of [
      { targetId: 'mem-a' },
      { targetId: 'mem-a', organizationId: 'acme' },
      { targetId: 'mem-a', pageToken: 'garbage', status: 99 as OperationStatus },
    ]) {
      const answer = await outcome(operations.listOperations(request, as('gadmin')));
      expect(answer.code, answer.message).toBe(Code.NotFound);
      expect(answer.message).not.toContain('acme');
    }
  });

  it('names the field of bad input, and is UNIMPLEMENTED where the target cannot list operations', async () => {
    const target = { targetId: 'mem-a' };
    for (const [field, request] of [
      ['status', { ...target, status: 99 as OperationStatus }],
      ['type', { ...target, type: 'explode' }],
      ['guest_id', { ...target, guestId: '../etc' }],
      ['page_size', { ...target, pageSize: 5000 }],
      ['page_token', { ...target, pageToken: 'b2s.deadbeef' }],
      ['since', { ...target, since: { seconds: 9_000_000_000_000n, nanos: 0 } }],
    ] as const) {
      const answer = await outcome(operations.listOperations(request, as('viewer')));
      expect(answer.code, `${field}: ${answer.message}`).toBe(Code.InvalidArgument);
      expect(answer.message, field).toContain(field);
    }
    const answer = await outcome(operations.listOperations({ targetId: 'mem-unlisted' }, as('viewer')));
    expect(answer.code, answer.message).toBe(Code.Unimplemented);
    expect(answer.message).toContain('operationList');
  });
});
