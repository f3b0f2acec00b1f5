import {
  ConflictError,
  InvalidArgumentError,
  NotFoundError,
  type Operation,
} from '@hvc/hypervisor-connector';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import { type DomainDefinition, type DomainNic, parseDomainXml } from '../domains/domain-definition.js';
import { DomainState } from '../domains/domain-state.js';
import { type DomainStatus, readDomainStatus, requireState } from '../domains/domain-status.js';
import { buildXml, child, children, parseXml, type XmlElement } from '../domains/xml-codec.js';
import type { OperationRun } from '../operations/libvirt-operations.js';
import { RemoteProcedure as P } from '../protocol/generated/remote-protocol.gen.js';
import { XML_INACTIVE } from './guest-delete.js';
import { AFFECT_CONFIG } from './guest-update.js';

/** A guest read before a device change: where it is, whether it runs, its persistent XML parsed twice. */
export interface GuestDevices {
  readonly status: DomainStatus;
  readonly active: boolean;
  readonly xml: string;
  readonly definition: DomainDefinition;
}

/** Reads guest `uuid`'s state and persistent configuration (no operation of this process may hold it). */
export async function readGuestDevices(
  context: LibvirtContext,
  uuid: string,
  signal?: AbortSignal,
): Promise<GuestDevices> {
  context.locks.assertFree(uuid);
  const status = await readDomainStatus(context.locator, uuid, signal);
  const { xml } = await status.host.call(
    P.REMOTE_PROC_DOMAIN_GET_XML_DESC,
    { dom: status.dom, flags: XML_INACTIVE },
    signal,
  );
  return { status, active: status.state !== DomainState.SHUTOFF, xml, definition: parseDomainXml(xml) };
}

/** CONFLICT `if-match` when `ifMatch` is given and the configuration has moved on. */
export function checkIfMatch(uuid: string, definition: DomainDefinition, ifMatch: string | undefined): void {
  if (ifMatch !== undefined && ifMatch !== definition.digest) {
    throw new ConflictError(`guest ${uuid}: its configuration is no longer version ${ifMatch}`, {
      retryable: false,
      details: { guestId: uuid, reason: 'if-match' },
    });
  }
}

/** The slot of the `index`-th NIC: its hvc alias without `ua-` (`net0`), else `net<index>`. */
export function nicSlot(nic: DomainNic, index: number): string {
  return nic.alias?.startsWith('ua-') === true ? nic.alias.slice(3) : `net${index}`;
}

/** NOT_FOUND `slot` for a device the guest does not have. */
export function noSuchSlot(uuid: string, resource: 'disk' | 'nic', slot: string): NotFoundError {
  return new NotFoundError(`guest ${uuid} has no ${resource} in slot ${slot}`, {
    details: { resource, id: slot, field: 'slot', guestId: uuid },
  });
}

/** INVALID_ARGUMENT naming `field`. */
export function invalid(field: string, message: string): InvalidArgumentError {
  return new InvalidArgumentError(`${field}: ${message}`, { violations: [{ field, message }] });
}

/**
 * The XML of the `index`-th `<kind>` device of a persistent domain XML, as `DOMAIN_DETACH_DEVICE_FLAGS` takes it
 * (libvirt matches a disk by its target, a NIC by its MAC).
 */
export function deviceXml(domainXml: string, kind: 'disk' | 'interface', index: number): string {
  const element = children(child(child(parseXml(domainXml), 'domain'), 'devices'), kind)[index];
  if (element === undefined) throw new Error(`no ${kind} ${index} in the domain XML`);
  return buildXml({ [kind]: element as XmlElement });
}

/** One device to take out of a stopped guest's configuration. */
export interface DeviceRemoval {
  readonly type: 'disk.remove' | 'nic.remove';
  readonly kind: 'disk' | 'interface';
  /** Its position among the domain's devices of `kind`. */
  readonly index: number;
  readonly slot: string;
  readonly raw?: Readonly<Record<string, unknown>>;
  /** Runs once the device is detached (a disk's volume deleted). */
  readonly after?: (run: OperationRun) => Promise<void>;
}

/**
 * Detaches a device from a stopped guest's configuration (`DOMAIN_DETACH_DEVICE_FLAGS`, config only) as an
 * operation. A running guest is CONFLICT: a live detach ends only when the guest lets the device go.
 */
export function detachFromStopped(
  context: LibvirtContext,
  { status, active, xml }: GuestDevices,
  removal: DeviceRemoval,
): Operation {
  requireState(status, !active, `remove ${removal.slot} of`, 'stop it first');
  const { host, dom } = status;
  const detach = deviceXml(xml, removal.kind, removal.index);
  return context.operations.begin({
    type: removal.type,
    node: context.target.nodeName(host),
    uuid: status.uuid,
    arg: removal.slot,
    raw: { host: host.display, name: dom.name, slot: removal.slot, ...removal.raw },
    work: async (run) => {
      await host.call(
        P.REMOTE_PROC_DOMAIN_DETACH_DEVICE_FLAGS,
        { dom, xml: detach, flags: AFFECT_CONFIG },
        run.closing,
      );
      await removal.after?.(run);
      return undefined;
    },
  });
}
