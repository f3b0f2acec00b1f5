import type { JsonObject } from '@bufbuild/protobuf';
import { type HvcClient, wire } from '@hvc/client';
import {
  labTargetConfig,
  tinyVmSpec,
} from '../../../../hypervisor-connector-libvirt/test/connector/support/lab-target.js';
import type { LabFacts } from '../../../../hypervisor-connector-libvirt/test/lab/lab-facts.js';

/** Creates the libvirt target `targetId` on the lab's first host over TCP through the API. */
export async function createLabTarget(
  admin: HvcClient,
  lab: LabFacts,
  targetId: string,
): Promise<wire.Target> {
  const config = labTargetConfig(lab, { hosts: [lab.hosts[0]!.tcpUri] }) as unknown as JsonObject;
  const { target } = await admin.targets.createTarget({ targetId, kind: 'libvirt', config });
  return target!;
}

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
