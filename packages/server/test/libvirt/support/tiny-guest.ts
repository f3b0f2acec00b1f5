import type { JsonObject } from '@bufbuild/protobuf';
import { type HvcClient, wire } from '@hvc/client';
import { tinyVmSpec } from '../../../../hypervisor-connector-libvirt/test/connector/support/lab-target.js';
import type { LabFacts } from '../../../../hypervisor-connector-libvirt/test/lab/lab-facts.js';

/**
 * Creates the lab's tiny VM `name` on `targetId` through the API (the connector tests' `tinyVmSpec`, in the API's
 * terms); returns its guest id and the create operation's id.
 */
export async function createTinyGuest(
  admin: HvcClient,
  lab: LabFacts,
  targetId: string,
  name: string,
): Promise<{ guestId: string; operationId: string }> {
  const spec = tinyVmSpec(lab, name);
  const created = await admin.guests.createGuest({
    targetId,
    spec: {
      type: wire.GuestType.VM,
      name,
      cpus: spec.cpus,
      memoryMib: spec.memoryMiB,
      disks: [{ sizeGib: spec.disks![0]!.sizeGiB as number }],
      providerOptions: spec.providerOptions as JsonObject,
    },
  });
  return { guestId: created.operation!.guestId!, operationId: created.operation!.id };
}
