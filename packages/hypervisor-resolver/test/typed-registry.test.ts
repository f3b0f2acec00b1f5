import type { HypervisorConnector } from '@hvc/hypervisor-connector';
import { type MemoryConnectorConfig, memoryConnectorFactory } from '@hvc/hypervisor-connector-memory';
import {
  type ProxmoxConfig,
  ProxmoxConfigSchema,
  type ProxmoxConnector,
  proxmoxConnectorFactory,
} from '@hvc/hypervisor-connector-proxmox';
import {
  createResolver,
  InvalidTargetConfigError,
  NoSuchConnectorError,
  type ResolvedConnector,
  type Resolver,
  type TargetDescriptorFor,
} from '@hvc/hypervisor-resolver';
import { describe, expect, expectTypeOf, it } from 'vitest';

// The registry of the issue: an eager factory and a lazy one, each keeping its kind's types.
const connectors = {
  proxmox: proxmoxConnectorFactory,
  memory: () => import('@hvc/hypervisor-connector-memory').then((m) => m.memoryConnectorFactory),
};

const fingerprint = `${'AB:'.repeat(31)}AB`;
/** A Proxmox config as its factory's type declares it: the parsed form. */
const proxmoxConfig: ProxmoxConfig = ProxmoxConfigSchema.parse({
  endpoints: ['https://pve1.example:8006'],
  credentials: { tokenId: 'root@pam!ci', secret: 'token-secret' },
  tls: { fingerprint },
});

describe('a registry typed per kind', () => {
  it('types descriptors, resolved connectors and kinds per kind', async () => {
    await using resolver = createResolver({ connectors });
    expectTypeOf(resolver.kinds()).toEqualTypeOf<('proxmox' | 'memory')[]>();
    expect(resolver.kinds()).toEqual(['memory', 'proxmox']);

    const lab = await resolver.resolve({ id: 'lab', kind: 'memory', config: { nodes: ['n1'] } });
    expectTypeOf(lab).toEqualTypeOf<ResolvedConnector<HypervisorConnector, 'memory'>>();
    expect(lab.kind).toBe('memory');
    expect(await lab.listNodes()).toHaveLength(1);

    const pve = await resolver.resolve({ id: 'pve', kind: 'proxmox', config: proxmoxConfig });
    expectTypeOf(pve).toEqualTypeOf<ResolvedConnector<ProxmoxConnector, 'proxmox'>>();
    // `run` hands over the connector as its factory types it, with no claim by the caller.
    const seen = await pve.run(async (connector) => {
      expectTypeOf(connector).toEqualTypeOf<ProxmoxConnector>();
      return connector.kind;
    });
    expect(seen).toBe('proxmox');

    // By id, the kind is known only at run time.
    const byId = resolver.resolve('lab');
    expectTypeOf(byId).resolves.toEqualTypeOf<ResolvedConnector<HypervisorConnector, 'proxmox' | 'memory'>>();
    await expect(byId).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // A resolver of any registry is a plain `Resolver`, e.g. for a field that holds one.
    const plain: Resolver = resolver;
    expect(plain.kinds()).toHaveLength(2);
  });

  it('refuses at compile time a config of the wrong shape for a kind the code names', () => {
    const resolver = createResolver({ connectors });
    const compileOnly = () => {
      // @ts-expect-error `nodes` is a list of names
      void resolver.resolve({ id: 'lab', kind: 'memory', config: { nodes: 'n1' } });
      // @ts-expect-error the memory config has no `endpoints`
      void resolver.resolve({ id: 'lab', kind: 'memory', config: { endpoints: ['https://x'] } });
      // @ts-expect-error a Proxmox config needs its endpoints and credentials
      void resolver.resolve({ id: 'pve', kind: 'proxmox', config: { nodes: ['n1'] } });
      // @ts-expect-error no connector of this kind is registered
      void resolver.resolve({ id: 'esx', kind: 'vmware', config: {} });
      // @ts-expect-error `validateTarget` checks the same way
      void resolver.validateTarget({ id: 'lab', kind: 'memory', config: { latencyMs: 'slow' } });
      const targets: TargetDescriptorFor<typeof connectors>[] = [
        { id: 'lab', kind: 'memory', config: {} },
        // @ts-expect-error a list typed for the registry checks each entry against its kind
        { id: 'pve', kind: 'proxmox', config: {} },
      ];
      void targets;
      createResolver({
        connectors,
        // @ts-expect-error so does the list of targets given to the resolver
        targets: [{ id: 'lab', kind: 'memory', config: { version: 2 } }],
      });
      createResolver({
        // @ts-expect-error a loader whose module exports no factory is refused where it is registered
        connectors: { memory: async () => ({ notAFactory: true }) },
      });
    };
    expect(compileOnly).toBeTypeOf('function');
  });

  it('takes descriptors whose kind is only known at run time, and validates them then', async () => {
    await using resolver = createResolver({ connectors });
    const row: { id: string; kind: string; config: unknown } = { id: 'lab', kind: 'memory', config: {} };
    expect((await resolver.resolve(row)).kind).toBe('memory');
    const bad: { id: string; kind: string; config: unknown } = {
      id: 'x',
      kind: 'memory',
      config: { nodes: 1 },
    };
    await expect(resolver.resolve(bad)).rejects.toSatisfy(InvalidTargetConfigError.isInstance);
  });

  it('keeps the types of a lazy module namespace, and of a factory whose schema declares its input', async () => {
    await using resolver = createResolver({
      connectors: {
        proxmox: () =>
          import('@hvc/hypervisor-connector-proxmox').then((m) => ({
            ...m.proxmoxConnectorFactory,
            configSchema: m.ProxmoxConfigSchema,
          })),
        memory: () => import('@hvc/hypervisor-connector-memory'),
      },
    });
    // With the schema's input type, the config's short forms compile: an endpoint as a URL, no credential type.
    const pve = await resolver.resolve({
      id: 'pve',
      kind: 'proxmox',
      config: {
        endpoints: ['https://pve1.example:8006'],
        credentials: { tokenId: 'root@pam!ci', secret: 'token-secret' },
        tls: { fingerprint },
      },
    });
    expectTypeOf(pve).toEqualTypeOf<ResolvedConnector<ProxmoxConnector, 'proxmox'>>();
    const lab = await resolver.resolve({ id: 'lab', kind: 'memory', config: {} });
    expectTypeOf(lab.kind).toEqualTypeOf<'memory'>();
  });
});

describe('validating targets when they are written', () => {
  it('returns the config as the kind’s schema parses it, and creates no connector', async () => {
    await using resolver = createResolver({ connectors });
    const valid = await resolver.validateTarget({ id: 'lab', kind: 'memory', config: { nodes: ['n1'] } });
    expectTypeOf(valid.config).toEqualTypeOf<MemoryConnectorConfig>();
    expect(valid).toEqual({
      id: 'lab',
      kind: 'memory',
      config: expect.objectContaining({ nodes: ['n1'], operationDurationMs: 20 }),
    });
    const fromUri = await resolver.validateTarget({
      id: 'pve',
      uri: `proxmox://root@pam!ci@pve1.example:8006?fingerprint=${fingerprint}`,
      secret: 'token-secret',
    });
    expect(fromUri).toMatchObject({
      id: 'pve',
      kind: 'proxmox',
      config: { endpoints: [{ url: 'https://pve1.example:8006' }], credentials: { type: 'token' } },
    });
    expect(resolver.stats()).toMatchObject({ created: 0, targets: [] });
  });

  it('throws what resolve would throw: each bad field, an unknown kind, bad limits', async () => {
    await using resolver = createResolver({ connectors });
    const row = { id: 'lab', kind: 'memory', config: { nodes: ['not a node!'], latencyMs: -1 } as unknown };
    const error = await resolver.validateTarget(row).catch((e: unknown) => e);
    expect(InvalidTargetConfigError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'INVALID_ARGUMENT',
      targetId: 'lab',
      violations: [
        { field: 'config.nodes.0', message: expect.any(String) },
        { field: 'config.latencyMs', message: expect.any(String) },
      ],
    });
    const esx: { id: string; kind: string; config: unknown } = { id: 'esx', kind: 'vmware', config: {} };
    await expect(resolver.validateTarget(esx)).rejects.toSatisfy(NoSuchConnectorError.isInstance);
    await expect(
      resolver.validateTarget({ id: 'lab', kind: 'memory', config: {}, limits: { maxConcurrentCalls: 0 } }),
    ).rejects.toMatchObject({ violations: [{ field: 'limits.maxConcurrentCalls' }] });
  });

  it('hands out a kind’s config schema, loading a lazy connector', async () => {
    await using resolver = createResolver({ connectors });
    const schema = await resolver.configSchema('memory');
    expect(schema).toBe(memoryConnectorFactory.configSchema);
    expectTypeOf(schema).toEqualTypeOf(memoryConnectorFactory.configSchema);
    expect(await resolver.configSchema('proxmox')).toBe(ProxmoxConfigSchema);
    // @ts-expect-error no connector of this kind is registered
    await expect(resolver.configSchema('vmware')).rejects.toSatisfy(NoSuchConnectorError.isInstance);
  });
});
