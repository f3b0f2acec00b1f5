/**
 * A failed write that may have been applied on the hypervisor says so to the client, over Connect, gRPC and
 * gRPC-Web: the `hvc-may-have-been-applied` metadata, so a client looks the result up instead of blindly retrying.
 */
import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from '@connectrpc/connect-node';
import { GuestService } from '@hvc/client/v1';
import { type HypervisorConnector, HypervisorError } from '@hvc/hypervisor-connector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAY_HAVE_BEEN_APPLIED_METADATA } from '../../src/wire/error-mapping.js';
import { startStubConnectorServer } from './support/stub-connector-server.js';

/** What the hypervisor answers: each power call fails as named by the guest id. */
const FAILURES: Record<string, HypervisorError> = {
  'qemu/100': new HypervisorError('TIMEOUT', 'the hypervisor did not answer after the request was sent', {
    mayHaveBeenApplied: true,
  }),
  'qemu/101': new HypervisorError('UNAVAILABLE', 'the hypervisor refused the connection'),
  'qemu/102': new HypervisorError('INTERNAL', 'the hypervisor broke mid-answer', {
    mayHaveBeenApplied: true,
  }),
};

const connector: Partial<HypervisorConnector> = {
  startGuest: async (id: string) => {
    throw FAILURES[id] ?? new Error(`unexpected guest ${id}`);
  },
};

let server: Awaited<ReturnType<typeof startStubConnectorServer>>;

beforeAll(async () => {
  server = await startStubConnectorServer(connector);
});

afterAll(() => server.close());

const transports: Record<string, () => Transport> = {
  connect: () => createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }),
  grpc: () => createGrpcTransport({ baseUrl: server.url }),
  'grpc-web': () => createGrpcWebTransport({ baseUrl: server.url, httpVersion: '1.1' }),
};

async function failure(protocol: string, guestId: string): Promise<ConnectError> {
  const guests = createClient(GuestService, transports[protocol]!());
  try {
    await guests.startGuest(
      { targetId: 'pve-1', guestId },
      { headers: { authorization: `Bearer ${server.token}` } },
    );
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error('expected the call to fail');
}

describe.each(Object.keys(transports))('over %s', (protocol) => {
  it('a write that may have been applied carries the metadata, with its code and message', async () => {
    const error = await failure(protocol, 'qemu/100');
    expect(error.code).toBe(Code.DeadlineExceeded);
    expect(error.rawMessage).toBe('the hypervisor did not answer after the request was sent');
    expect(error.metadata.get(MAY_HAVE_BEEN_APPLIED_METADATA)).toBe('true');
  });

  it('a failure known not to have been applied carries none', async () => {
    const error = await failure(protocol, 'qemu/101');
    expect(error.code).toBe(Code.Unavailable);
    expect(error.metadata.get(MAY_HAVE_BEEN_APPLIED_METADATA)).toBeNull();
  });

  it('an INTERNAL error keeps its message to the log but still says the write may have been applied', async () => {
    const error = await failure(protocol, 'qemu/102');
    expect(error.code).toBe(Code.Internal);
    expect(error.rawMessage).toBe('internal error');
    expect(error.metadata.get(MAY_HAVE_BEEN_APPLIED_METADATA)).toBe('true');
  });
});
