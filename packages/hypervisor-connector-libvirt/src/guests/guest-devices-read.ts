import { ConflictError, InvalidArgumentError, NotFoundError } from '@hvc/hypervisor-connector';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import { type DomainDefinition, type DomainNic, parseDomainXml } from '../domains/domain-definition.js';
import { DomainState } from '../domains/domain-state.js';
import { type DomainStatus, readDomainStatus } from '../domains/domain-status.js';
import { buildXml, child, children, parseXml, type XmlElement } from '../domains/xml-codec.js';
import { RemoteProcedure as P } from '../protocol/generated/remote-protocol.gen.js';
import { XML_INACTIVE } from './guest-delete.js';

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
