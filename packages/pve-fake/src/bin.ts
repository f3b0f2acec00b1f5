#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createPveFake } from './fake.js';

/**
 * What a bare `hvc-pve-fake` starts: a small populated cluster to explore by hand. The usage text is made from
 * these, so it always says what the command does.
 */
const DEFAULTS = {
  port: '0',
  host: '127.0.0.1',
  nodes: '3',
  qemu: '10',
  lxc: '5',
  'pve-version': '9',
  'task-ms': '500',
} as const;

const USAGE = `Usage: hvc-pve-fake [--port ${DEFAULTS.port}] [--host ${DEFAULTS.host}] [--nodes ${DEFAULTS.nodes}] [--qemu ${DEFAULTS.qemu}] [--lxc ${DEFAULTS.lxc}]
                    [--pve-version ${DEFAULTS['pve-version']}] [--task-ms ${DEFAULTS['task-ms']}] [--password secret]
Starts a stateful Proxmox VE API fake over HTTPS and prints one JSON line when ready:
{"url","fingerprint","username","password","tokenId","tokenSecret"}
Defaults as shown; --port 0 takes a free port (the ready line names it), --password a random one.`;

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: DEFAULTS.port },
    host: { type: 'string', default: DEFAULTS.host },
    nodes: { type: 'string', default: DEFAULTS.nodes },
    qemu: { type: 'string', default: DEFAULTS.qemu },
    lxc: { type: 'string', default: DEFAULTS.lxc },
    'pve-version': { type: 'string', default: DEFAULTS['pve-version'] },
    'task-ms': { type: 'string', default: DEFAULTS['task-ms'] },
    password: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const version = Number(values['pve-version']);
if (version !== 8 && version !== 9) {
  process.stderr.write(`--pve-version must be 8 or 9\n${USAGE}\n`);
  process.exit(2);
}
const pveVersion: 8 | 9 = version === 8 ? 8 : 9;
for (const name of ['port', 'nodes', 'qemu', 'lxc', 'task-ms'] as const) {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 0 || (name === 'nodes' && n < 1)) {
    process.stderr.write(`--${name} must be a whole number${name === 'nodes' ? ' >= 1' : ''}\n${USAGE}\n`);
    process.exit(2);
  }
}

/** Starts the fake and prints the ready line (no top-level await: the bin is also built as CommonJS). */
async function main(): Promise<void> {
  const fake = createPveFake({
    nodes: Number(values.nodes),
    guests: { qemu: Number(values.qemu), lxc: Number(values.lxc) },
    pveVersion,
    taskDurationMs: Number(values['task-ms']),
    password: values.password,
    // Nothing reads the log of this process's fake: keep none, so a fake left running stays the same size.
    requestLogLimit: 0,
  });
  const server = await fake.listen({ port: Number(values.port), host: values.host });
  const { username, password, tokenId, tokenSecret } = fake.credentials;
  process.stdout.write(
    `${JSON.stringify({ url: server.url, fingerprint: server.fingerprint, username, password, tokenId, tokenSecret })}\n`,
  );

  const stop = (): void => {
    void fake.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`hvc-pve-fake: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
