// A control plane's first steps, against the in-memory connector: list, create, start, snapshot, clean up.
// Run it with `pnpm example`. Swap the factory for `proxmoxConnectorFactory` and the same code drives Proxmox VE.
import { isHypervisorError } from '@hvc/hypervisor-connector';
import { memoryConnectorFactory } from '@hvc/hypervisor-connector-memory';

const config = memoryConnectorFactory.configSchema.parse({
  nodes: ['node1', 'node2'],
  guests: [{ type: 'vm', name: 'db-1', state: 'running' }],
  operationDurationMs: 200,
});
await using connector = memoryConnectorFactory.create(config, { targetId: 'demo' });

const target = await connector.describe();
console.log(`target: ${target.kind} ${target.version}, nodes: ${target.nodes.map((n) => n.name).join(', ')}`);

const created = await connector.createGuest({
  type: 'vm',
  name: 'web-1',
  cpus: 2,
  memoryMiB: 2048,
  node: 'node1',
});
console.log(`create ${created.guestId}: ${created.status}`);
await connector.waitForOperation(created.id, {
  timeoutMs: 10_000,
  onProgress: (op) => console.log(`  ${op.type} ${op.status}`),
});

const guestId = created.guestId!;
await connector.waitForOperation((await connector.startGuest(guestId)).id);
await connector.waitForOperation((await connector.createSnapshot(guestId, { name: 'before-upgrade' })).id);
await connector.waitForOperation((await connector.migrateGuest(guestId, { targetNode: 'node2' })).id);

for (const guest of await connector.listGuests()) {
  console.log(`${guest.id.padEnd(8)} ${guest.name.padEnd(8)} ${guest.state.padEnd(8)} on ${guest.node}`);
}

try {
  await connector.deleteGuest(guestId); // still running: the contract says CONFLICT
} catch (error) {
  if (isHypervisorError(error, 'CONFLICT')) console.log(`delete refused as expected: ${error.message}`);
  else throw error;
}
await connector.waitForOperation((await connector.stopGuest(guestId)).id);
await connector.waitForOperation((await connector.deleteGuest(guestId)).id);
console.log(`deleted ${guestId}; ${(await connector.listGuests()).length} guest(s) left`);
