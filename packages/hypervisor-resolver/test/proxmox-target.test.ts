import type { ProxmoxConnector } from '@hvc/hypervisor-connector-proxmox';
import { createResolver, type Resolver } from '@hvc/hypervisor-resolver';
import { createPveFake, type PveFake, type PveFakeServer } from '@hvc/pve-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The Proxmox factory, loaded lazily, with its schema's own type: the factory's type declares only the parsed config,
 * and with the schema's input type a descriptor written here may use the config's short forms (an endpoint as a URL,
 * credentials without `type`, defaults left out).
 */
const proxmox = () =>
  import('@hvc/hypervisor-connector-proxmox').then(({ proxmoxConnectorFactory, ProxmoxConfigSchema }) => ({
    ...proxmoxConnectorFactory,
    configSchema: ProxmoxConfigSchema,
  }));

describe('a Proxmox target against the PVE fake over HTTPS', () => {
  let fake: PveFake;
  let server: PveFakeServer;
  let resolver: Resolver;

  beforeAll(async () => {
    fake = createPveFake({ nodes: 2, guests: { qemu: 2, lxc: 1 }, taskDurationMs: 20 });
    server = await fake.listen();
    resolver = createResolver({
      connectors: { proxmox },
      targets: [
        {
          id: 'pve-eu-1',
          kind: 'proxmox',
          config: {
            endpoints: [server.url],
            credentials: { tokenId: fake.credentials.tokenId, secret: fake.credentials.tokenSecret },
            tls: { fingerprint: server.fingerprint },
          },
        },
      ],
      limits: { wait: { initialPollMs: 5, maxPollMs: 20 } },
    });
  });
  afterAll(async () => {
    await resolver?.close();
    await fake?.close();
  });

  it('resolves a descriptor and a URI to connectors that list the same guests', async () => {
    const fromDescriptor = await resolver.resolve('pve-eu-1');
    expect(fromDescriptor.kind).toBe('proxmox');
    const guests = await fromDescriptor.listGuests();
    expect(guests).toHaveLength(3);
    expect(guests.map((g) => g.type).sort()).toEqual(['container', 'vm', 'vm']);

    const { host } = new URL(server.url);
    const uri = `proxmox://${fake.credentials.tokenId}@${host}?fingerprint=${server.fingerprint}`;
    const fromUri = await resolver.resolve({ id: 'pve-eu-1-uri', uri, secret: fake.credentials.tokenSecret });
    expect(fromUri).not.toBe(fromDescriptor);
    expect((await fromUri.listGuests()).map((g) => g.id)).toEqual(guests.map((g) => g.id));
    expect(resolver.stats().targets.map((t) => t.targetId)).toEqual(['pve-eu-1', 'pve-eu-1-uri']);
  });

  it('starts a guest and waits for the task through the guards', async () => {
    const connector = await resolver.resolve('pve-eu-1');
    const stopped = (await connector.listGuests({ type: 'vm' })).find((g) => g.state === 'stopped');
    expect(stopped).toBeDefined();
    const operation = await connector.startGuest(stopped!.id);
    const done = await connector.waitForOperation(operation.id, { timeoutMs: 10_000 });
    expect(done).toMatchObject({ status: 'succeeded', guestId: stopped!.id });
    expect((await connector.getGuest(stopped!.id)).state).toBe('running');
  });

  it('runs what the Proxmox connector offers beyond the contract through the guards', async () => {
    const connector = await resolver.resolve('pve-eu-1');
    const callsBefore = resolver.stats().targets.find((t) => t.targetId === 'pve-eu-1')?.calls ?? 0;
    const version = await connector.run<ProxmoxConnector, unknown>((pve, options) =>
      pve.raw('GET', '/version', {}, options),
    );
    expect(version).toMatchObject({ release: '9.1' });
    expect(resolver.stats().targets.find((t) => t.targetId === 'pve-eu-1')?.calls).toBe(callsBefore + 1);
  });

  it('fails fast once a target with a wrong pinned fingerprint has opened its breaker', async () => {
    const wrong = await resolver.resolve({
      id: 'pve-wrong-pin',
      kind: 'proxmox',
      config: {
        endpoints: [server.url],
        credentials: { tokenId: fake.credentials.tokenId, secret: fake.credentials.tokenSecret },
        tls: { fingerprint: '00'.repeat(32) },
      },
      limits: { breaker: { failureThreshold: 2, openMs: 60_000 } },
    });
    const first = await wrong.listNodes().catch((error: unknown) => error);
    expect(first).toMatchObject({ code: 'UNAVAILABLE' });
    await expect(wrong.listNodes()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const before = server.connections.total;
    await expect(wrong.listNodes()).rejects.toThrow(/circuit breaker open/);
    expect(server.connections.total).toBe(before);
    // The healthy target is not affected.
    expect(await (await resolver.resolve('pve-eu-1')).listNodes()).toHaveLength(2);
  });
});
