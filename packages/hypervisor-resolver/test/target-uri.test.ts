import {
  type ConnectorFactory,
  InvalidArgumentError,
  type UriConnectorFactory,
} from '@hvc/hypervisor-connector';
import { type MemoryConnectorConfig, memoryConnectorFactory } from '@hvc/hypervisor-connector-memory';
import { proxmoxConnectorFactory } from '@hvc/hypervisor-connector-proxmox';
import { createResolver, type ResolverEvent } from '@hvc/hypervisor-resolver';
import { describe, expect, it } from 'vitest';

/** The memory factory with a URI form: `memory://anything?nodes=a,b&version=2.0`. */
const memoryWithUri: UriConnectorFactory<MemoryConnectorConfig> = {
  ...(memoryConnectorFactory as ConnectorFactory<MemoryConnectorConfig>),
  configFromUri(uri, extras) {
    const url = new URL(uri);
    if (url.searchParams.has('bad')) {
      throw new InvalidArgumentError('invalid memory URI', {
        violations: [{ field: 'bad', message: 'not allowed' }],
      });
    }
    return {
      nodes: url.searchParams.get('nodes')?.split(',') ?? ['node1'],
      ...(extras?.secret === undefined ? {} : { clusterName: `cluster-${extras.secret.length}` }),
    };
  },
};

describe('target URIs', () => {
  it('resolves a URI string or a { uri, secret } descriptor through the factory parser', async () => {
    const resolver = createResolver({ connectors: { memory: memoryWithUri } });
    const bare = await resolver.resolve('memory://lab?nodes=a,b,c');
    expect(bare.targetId).toBe('memory://lab?nodes=a,b,c');
    expect(await bare.listNodes()).toHaveLength(3);
    expect(await resolver.resolve('memory://lab?nodes=a,b,c')).toBe(bare);
    const named = await resolver.resolve({ id: 'lab', uri: 'memory://lab?nodes=x', secret: 'abc' });
    expect(named.targetId).toBe('lab');
    expect((await named.describe()).clusterName).toBe('cluster-3');
    await resolver.close();
  });

  it('refuses URIs the factory cannot parse, URIs with a password, and bad URIs, naming the field', async () => {
    const resolver = createResolver({ connectors: { memory: memoryConnectorFactory } });
    await expect(resolver.resolve('memory://lab')).rejects.toMatchObject({
      name: 'InvalidTargetConfigError',
      violations: [{ field: 'uri', message: 'the "memory" connector does not accept target URIs' }],
    });
    const leaked = await resolver.resolve('vmware://root:hunter2@esx.example').catch((e: unknown) => e);
    expect(leaked).toMatchObject({ code: 'INVALID_ARGUMENT', targetId: '(uri)' });
    expect(JSON.stringify(leaked)).not.toContain('hunter2');
    expect((leaked as Error).message).not.toContain('hunter2');
    await expect(resolver.resolve({ id: 'x', uri: 'nonsense' })).rejects.toMatchObject({
      violations: [{ field: 'uri', message: expect.any(String) }],
    });
    await expect(resolver.resolve('vmware://esx.example')).rejects.toMatchObject({
      name: 'NoSuchConnectorError',
      availableKinds: ['memory'],
    });
    await resolver.close();
  });

  it('takes URI targets from a list (by id) and from a source (which may leave the id out)', async () => {
    const fromList = createResolver({
      connectors: { memory: memoryWithUri },
      targets: [{ id: 'lab', uri: 'memory://lab?nodes=a', secret: 'xy' }],
    });
    expect((await (await fromList.resolve('lab')).describe()).clusterName).toBe('cluster-2');
    await fromList.close();
    const fromSource = createResolver({
      connectors: { memory: memoryWithUri },
      targets: async () => ({ uri: 'memory://lab?nodes=a,b' }),
    });
    const connector = await fromSource.resolve('anything');
    expect(connector.targetId).toBe('anything');
    expect(await connector.listNodes()).toHaveLength(2);
    await fromSource.close();
    expect(() =>
      createResolver({
        connectors: { memory: memoryWithUri },
        targets: [{ uri: 'memory://lab' } as unknown as { id: string; uri: string }],
      }),
    ).toThrow(/targets\.0\.id/);
  });

  it('reports parser errors as the target config error, with the fields under uri', async () => {
    const resolver = createResolver({ connectors: { memory: memoryWithUri } });
    await expect(resolver.resolve({ id: 'lab', uri: 'memory://lab?bad=1' })).rejects.toMatchObject({
      name: 'InvalidTargetConfigError',
      targetId: 'lab',
      violations: [{ field: 'uri.bad', message: 'not allowed' }],
    });
    await resolver.close();
  });

  it('parses Proxmox URIs with the Proxmox factory, keeping the secret out of events and stats', async () => {
    const events: ResolverEvent[] = [];
    const resolver = createResolver({
      connectors: { proxmox: proxmoxConnectorFactory },
      onEvent: (event) => events.push(event),
    });
    const uri = 'proxmox://root@pam!ci@pve1.example:8006?fingerprint=' + 'AB:'.repeat(31) + 'AB';
    const connector = await resolver.resolve({ id: 'pve1', uri, secret: 'token-secret-0000' });
    expect(connector.kind).toBe('proxmox');
    expect(await resolver.resolve({ id: 'pve1', uri, secret: 'token-secret-0000' })).toBe(connector);
    // A rotated secret is a changed config: a new connector.
    expect(await resolver.resolve({ id: 'pve1', uri, secret: 'token-secret-1111' })).not.toBe(connector);
    const missing = await resolver.resolve({ id: 'pve2', uri }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ name: 'InvalidTargetConfigError', targetId: 'pve2' });
    await resolver.close();
    const published = JSON.stringify([events, resolver.stats()]);
    expect(published).not.toContain('token-secret');
  });
});
