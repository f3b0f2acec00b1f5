import { ConflictError, type NicAdd, type Operation } from '@hvc/hypervisor-connector';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import { interfaceElement } from '../domains/domain-builder.js';
import { buildXml } from '../domains/xml-codec.js';
import { RemoteProcedure as P } from '../protocol/generated/remote-protocol.gen.js';
import { detachFromStopped, nicSlot, noSuchSlot, readGuestDevices } from './guest-devices-read.js';
import { AFFECT_CONFIG, AFFECT_LIVE } from './guest-update.js';
import { domainNics, refuseVlans } from './nic-sources.js';

/**
 * `addNic`: a NIC on a libvirt network or host bridge in `slot` (`netN`, the next free one when absent; CONFLICT
 * when taken), kept as its user alias `ua-netN` — to the configuration, and live too when the guest runs
 * (`DOMAIN_ATTACH_DEVICE_FLAGS`). VLAN tags are refused as on create. The operation's `resourceId` is the slot.
 */
export async function addNic(
  context: LibvirtContext,
  uuid: string,
  nic: NicAdd,
  signal?: AbortSignal,
): Promise<Operation> {
  refuseVlans([nic], () => 'nic');
  const { status, active, definition } = await readGuestDevices(context, uuid, signal);
  const taken = new Set(definition.nics.map(nicSlot));
  if (nic.slot !== undefined && (taken.has(nic.slot) || !/^net\d+$/.test(nic.slot))) {
    throw new ConflictError(
      `guest ${uuid} cannot take a NIC in slot ${nic.slot}: it is taken or no netN slot`,
      {
        retryable: false,
        details: { guestId: uuid, reason: 'slot-taken', slot: nic.slot },
      },
    );
  }
  let slot = nic.slot;
  for (let index = 0; slot === undefined; index += 1) {
    if (!taken.has(`net${index}`)) slot = `net${index}`;
  }
  const { host, dom } = status;
  const [domainNic] = await domainNics(context, host, [nic], [], [`ua-${slot}`], () => 'network', signal);
  const xml = buildXml({ interface: interfaceElement(domainNic!) });
  return context.operations.begin({
    type: 'nic.add',
    node: context.target.nodeName(host),
    uuid,
    arg: slot,
    resourceId: slot,
    raw: { host: host.display, name: dom.name, slot },
    work: async (run) => {
      await host.call(
        P.REMOTE_PROC_DOMAIN_ATTACH_DEVICE_FLAGS,
        { dom, xml, flags: active ? AFFECT_CONFIG | AFFECT_LIVE : AFFECT_CONFIG },
        run.closing,
      );
      return undefined;
    },
  });
}

/**
 * `removeNic`: detaches the NIC in `slot` from a stopped guest's configuration (`DOMAIN_DETACH_DEVICE_FLAGS`). A
 * running guest is CONFLICT: a live detach ends only when the guest lets the device go.
 */
export async function removeNic(
  context: LibvirtContext,
  uuid: string,
  slot: string,
  signal?: AbortSignal,
): Promise<Operation> {
  const devices = await readGuestDevices(context, uuid, signal);
  const index = devices.definition.nics.findIndex((nic, i) => nicSlot(nic, i) === slot);
  if (index < 0) throw noSuchSlot(uuid, 'nic', slot);
  return detachFromStopped(context, devices, { type: 'nic.remove', kind: 'interface', index, slot });
}
