import { FULL_CAPABILITIES, OPTIONAL_CAPABILITIES_MISSING } from '@hvc/hypervisor-connector';
import {
  createManualClock,
  createMemoryConnector,
  type MemoryConnectorConfig,
} from '@hvc/hypervisor-connector-memory';
import { describe, expect, it } from 'vitest';

function setup(config: MemoryConnectorConfig = {}) {
  const clock = createManualClock(Date.UTC(2025, 5, 1, 12, 0, 30));
  const connector = createMemoryConnector({
    clock,
    guests: [
      { type: 'vm', name: 'vm-1', state: 'running', memoryMiB: 2048, cpus: 4 },
      { type: 'container', name: 'ct-1', node: 'node2' },
    ],
    ...config,
  });
  return { clock, connector };
}

describe('openConsole', () => {
  it('issues a one-time ticket for a running guest, with the secrets kept out of raw', async () => {
    const { connector, clock } = setup();
    const ticket = await connector.openConsole('vm/100', { protocol: 'vnc' });
    expect(ticket).toMatchObject({
      protocol: 'vnc',
      guestId: 'vm/100',
      node: 'node1',
      port: 6000,
      expiresAt: new Date(clock.now() + 10 * 60 * 1000).toISOString(),
    });
    expect(ticket.ticket).toMatch(/^MEMORY:[0-9a-f]{32}$/);
    expect(ticket.password).toHaveLength(12);
    expect(JSON.stringify(ticket.raw)).not.toContain(ticket.ticket);
    expect(JSON.stringify(ticket.raw)).not.toContain(ticket.password);
    const again = await connector.openConsole('vm/100', { protocol: 'vnc' });
    expect(again.ticket).not.toBe(ticket.ticket);
    const terminal = await connector.openConsole('vm/100', { protocol: 'terminal' });
    expect(terminal.password).toBeUndefined();
  });

  it('CONFLICT for a guest that is not running, UNSUPPORTED for a protocol the connector lacks', async () => {
    const { connector } = setup({ capabilities: { console: ['terminal'] } });
    await expect(connector.openConsole('container/101', { protocol: 'terminal' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message:
        'cannot open a console on guest container/101: it is stopped (a console needs a running guest)',
    });
    await expect(connector.openConsole('vm/100', { protocol: 'spice' })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'console.spice',
    });
    await expect(connector.openConsole('vm/100', { protocol: 'rdp' } as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      violations: [{ field: 'protocol' }],
    });
    await expect(connector.openConsole('vm/404', { protocol: 'terminal' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('getMetrics', () => {
  it('returns 70 points at the timeframe resolution, newest in the current interval', async () => {
    const { connector, clock } = setup();
    const series = await connector.getMetrics('vm/100');
    expect(series).toMatchObject({ guestId: 'vm/100', timeframe: 'hour', resolutionSeconds: 60 });
    expect(series.points).toHaveLength(70);
    expect(series.points.at(-1)?.time).toBe('2025-06-01T12:00:00.000Z');
    expect(series.points[0]?.time).toBe(new Date(Date.UTC(2025, 5, 1, 12) - 69 * 60_000).toISOString());
    for (const point of series.points) {
      expect(point.cpu).toBeGreaterThanOrEqual(0);
      expect(point.cpu).toBeLessThanOrEqual(1);
      expect(point.memoryTotalBytes).toBe(2048 * 1024 * 1024);
      expect(point.memoryBytes).toBeLessThanOrEqual(point.memoryTotalBytes!);
    }
    expect(new Set(series.points.map((point) => point.cpu)).size).toBeGreaterThan(10);
    expect(clock.now()).toBe(Date.UTC(2025, 5, 1, 12, 0, 30));
  });

  it('is deterministic: the same clock gives the same series, another interval shifts it', async () => {
    const a = await setup().connector.getMetrics('vm/100', { timeframe: 'day' });
    const b = await setup().connector.getMetrics('vm/100', { timeframe: 'day' });
    expect(a).toEqual(b);
    expect(a.resolutionSeconds).toBe(1800);
    const { connector, clock } = setup();
    await clock.advance(1800 * 1000);
    const later = await connector.getMetrics('vm/100', { timeframe: 'day' });
    expect(later.points.slice(0, -1)).toEqual(a.points.slice(1));
  });

  it('reports no use for a guest that is not running', async () => {
    const { connector } = setup();
    const series = await connector.getMetrics('container/101', { timeframe: 'week' });
    expect(series.resolutionSeconds).toBe(3 * 3600);
    expect(series.points.every((point) => point.cpu === 0 && point.memoryBytes === 0)).toBe(true);
  });

  it('rejects bad requests and works only with the capability', async () => {
    const { connector } = setup();
    await expect(connector.getMetrics('vm/100', { timeframe: 'decade' } as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(connector.getMetrics('vm/404')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const { connector: none } = setup({ capabilities: { metrics: false } });
    await expect(none.getMetrics('vm/100')).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'metrics',
    });
  });
});

describe('describe and listNodes', () => {
  it('describes the target with its nodes and capabilities', async () => {
    const { connector } = setup({ version: '2.0.0', clusterName: 'lab' });
    const info = await connector.describe();
    expect(info).toMatchObject({
      kind: 'memory',
      specificationVersion: 'v1',
      version: '2.0.0',
      clusterName: 'lab',
      capabilities: {
        ...FULL_CAPABILITIES,
        ...OPTIONAL_CAPABILITIES_MISSING,
        inventory: FULL_CAPABILITIES.inventory,
        consoleStream: ['vnc'],
      },
      raw: { version: '2.0.0', clusterName: 'lab' },
    });
    expect(info.nodes.map((node) => node.name)).toEqual(['node1', 'node2']);
  });

  it('lists online nodes whose usage counts the guests running on them', async () => {
    const { connector } = setup();
    const [node1, node2] = await connector.listNodes();
    expect(node1).toMatchObject({
      name: 'node1',
      status: 'online',
      usage: { memoryBytes: 2048 * 1024 * 1024 },
    });
    expect(node2).toMatchObject({ name: 'node2', status: 'online', usage: { memoryBytes: 0 } });
  });

  it('hands out copies of the capabilities', async () => {
    const { connector } = setup();
    const info = await connector.describe();
    (info.capabilities.console as string[]).length = 0;
    expect((await connector.describe()).capabilities.console).toEqual(['vnc', 'spice', 'terminal']);
    expect(() => (connector.capabilities.console as string[]).push('rdp')).toThrow(TypeError);
    expect(connector.capabilities.console).toEqual(['vnc', 'spice', 'terminal']);
  });
});
