import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childExecArgv } from '../src/clients/child-exec-argv.js';
import { ClientProcess } from '../src/clients/client-process.js';
import { ResponderProcess } from '../src/responder/responder-process.js';
import { createBenchCertificate } from '../src/tls/bench-certificate.js';

const GUESTS = 50;

describe('ClientProcess against a responder process', () => {
  let responder: ResponderProcess;

  beforeAll(async () => {
    responder = await ResponderProcess.start({ guests: GUESTS, nodes: 2 }, await createBenchCertificate());
  });

  afterAll(async () => {
    await responder.close();
  });

  it('runs raw undici in its own process: calls complete without errors and the responder counts them', async () => {
    const client = await ClientProcess.start('raw undici', responder.target, 2);
    try {
      await responder.reset();
      const result = await client.run({ call: 'listGuests' }, { concurrency: 2, durationMs: 300 });
      const stats = await responder.stats();
      expect(result.errors).toBe(0);
      expect(result.firstError).toBeUndefined();
      expect(result.requests).toBeGreaterThan(0);
      // One request per listGuests call: a call under way at the deadline completes and is counted.
      expect(stats.requests).toBe(result.requests);

      await responder.reset();
      const listed = await client.list('per node');
      expect(listed.guests).toBe(GUESTS);
      // `/nodes`, then `qemu` and `lxc` of each of the two nodes.
      expect((await responder.stats()).requests).toBe(5);
      expect(listed.measurement.wallMs).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });

  it('rejects a command to a client process that has exited instead of waiting for it', async () => {
    const client = await ClientProcess.start('raw undici', responder.target, 1);
    await client.close();
    await expect(client.run({ call: 'listGuests' }, { concurrency: 1, durationMs: 100 })).rejects.toThrow(
      /raw undici client process exited/,
    );
    await expect(client.list('one call')).rejects.toThrow(/exited/);
  });

  it('rejects the command under way when the client process dies', async () => {
    const client = await ClientProcess.start('raw undici', responder.target, 1);
    const run = client.run({ call: 'listGuests' }, { concurrency: 1, durationMs: 30_000 });
    process.kill(client.pid, 'SIGKILL');
    await expect(run).rejects.toThrow(/raw undici client process exited \(SIGKILL\)/);
    await client.close();
  });

  it('reports a listing the client cannot make as an error of the command', async () => {
    const client = await ClientProcess.start('hvc', responder.target, 1);
    try {
      await expect(client.list('per node')).rejects.toThrow(/hvc has no per node listing/);
      const listed = await client.list('one call');
      expect(listed.guests).toBe(GUESTS);
    } finally {
      await client.close();
    }
  });
});

describe('childExecArgv', () => {
  it("keeps the parent's options and adds the ones a bench child needs when missing", () => {
    expect(childExecArgv(['--conditions', '@hvc/source', '--max-old-space-size=512'])).toEqual([
      '--conditions',
      '@hvc/source',
      '--max-old-space-size=512',
      '--expose-gc',
      '--import',
      'tsx',
    ]);
    const bench = ['--expose-gc', '--conditions=@hvc/source', '--import', 'tsx'];
    expect(childExecArgv(bench)).toEqual(bench);
  });
});
