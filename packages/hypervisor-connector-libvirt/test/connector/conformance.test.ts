// The connector conformance suite against real libvirtd: two hosts of a lab of this file's own (the suite compares
// the whole guest list before and after refused calls, so no other test file may change guests on its target
// meanwhile), real tiny QEMU guests, migration between the two daemons.

import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { HypervisorConnector } from '@hvc/hypervisor-connector';
import { describeConformance } from '@hvc/hypervisor-connector-conformance';
import { afterAll, beforeAll } from 'vitest';
import { createLibvirtConnector } from '../../src/connector/libvirt-connector.js';
import { libvirtConnectorFactory } from '../../src/libvirt-connector-factory.js';
import { encodeOperationId } from '../../src/operations/operation-id.js';
import { type Lab, startLab } from '../lab/lab.js';
import { labTargetConfig, tinyVmSpec, writeSlowQemu } from './support/lab-target.js';

let lab: Lab;
let slowQemu: string;
let template: Promise<string> | undefined;

beforeAll(async () => {
  lab = await startLab({ hosts: 2, ssh: false });
  slowQemu = await writeSlowQemu(lab.facts.dir);
}, 60_000);

afterAll(async () => {
  await lab?.stop();
});

const config = () => labTargetConfig(lab.facts);
const connect = () => createLibvirtConnector(config());

/** The one template of the run, made by the connector itself (`providerOptions.libvirt.template`). */
async function makeTemplate(connector: HypervisorConnector): Promise<string> {
  const spec = tinyVmSpec(lab.facts, `kit-template-${randomUUID().slice(0, 8)}`);
  const libvirt = { ...spec.providerOptions?.libvirt, template: true };
  const operation = await connector.createGuest({ ...spec, providerOptions: { libvirt } });
  await connector.waitForOperation(operation.id, { timeoutMs: 30_000 });
  return operation.guestId!;
}

describeConformance({
  name: 'libvirt (two real libvirtd hosts, tiny QEMU guests)',
  connect,
  vmSpec: (name) => tinyVmSpec(lab.facts, name),
  templateGuestId: (connector) => {
    template ??= makeTemplate(connector);
    return template;
  },
  unknownGuestId: randomUUID(),
  // Well formed and of this connector: a start of a guest no host has, judged from libvirt's state.
  get unknownOperationId() {
    return encodeOperationId({
      type: 'start',
      node: 'hvc-lab-1',
      uuid: randomUUID(),
      startedAt: Date.now(),
      arg: '',
      recordId: 'nobody-1',
    });
  },
  connectRestricted: () => createLibvirtConnector({ ...config(), readOnly: true }),
  // A start of a guest whose disk image was removed fails in QEMU, for real.
  injectOperationFailure: async (connector, { guestId }) => {
    const guest = await connector.getGuest(guestId!);
    const disks = guest.raw.disks as { path?: string }[];
    for (const disk of disks) if (disk.path !== undefined) rmSync(disk.path);
  },
  slowOperations: {
    connect: () => createLibvirtConnector({ ...config(), guestDefaults: { emulator: slowQemu } }),
  },
  factory: {
    factory: libvirtConnectorFactory,
    get config() {
      return config();
    },
  },
  operationTimeoutMs: 45_000,
  async cleanup() {
    if (template === undefined) return;
    const connector = connect();
    try {
      const done = await connector.deleteGuest(await template);
      await connector.waitForOperation(done.id, { timeoutMs: 30_000 });
    } finally {
      await connector.close();
    }
  },
});
