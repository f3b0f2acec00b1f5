import { dirname, join } from 'node:path';
import { type DomainDefinition, isOwnDisk } from './domain-definition.js';
import { findHvcElement, type HvcMetadata, hvcMetadataForDomain } from './hvc-metadata.js';
import { attr, buildXml, child, children, parseXml } from './xml-codec.js';

/** The user alias of hvc's cloud-init seed CD-ROM (see `guests/cloud-init-seed.ts`). */
export const SEED_ALIAS = 'ua-hvc-cidata';

/** What a clone's XML changes from its source's persistent XML. */
export interface CloneChanges {
  readonly uuid: string;
  readonly name: string;
  readonly description?: string;
  /** The new image of each of the source's own disks, by the disk's position among them. */
  readonly diskPaths: readonly string[];
  readonly vncPassword: string;
  readonly metadata: HvcMetadata;
}

/**
 * A clone's domain XML from its source's parsed persistent XML: a new name and UUID, the new disk images (as plain
 * qcow2 files), no MAC addresses (libvirt makes new ones), no NVRAM path (libvirt makes a new store), the serial
 * log beside the source's under the clone's name, VNC on a new automatic port with a new password, hvc's metadata
 * without the template mark, the source's cloud-init seed no longer marked as the clone's own. Everything else is the source's.
 */
export function cloneDomainXml(sourceXml: string, source: DomainDefinition, changes: CloneChanges): string {
  const document = parseXml(sourceXml);
  const domain = child(document, 'domain')!;
  domain.name = changes.name;
  domain.uuid = changes.uuid;
  if (changes.description !== undefined) domain.description = changes.description;
  const metadata = { ...(child(domain, 'metadata') ?? {}) };
  const hvc = findHvcElement(metadata);
  if (hvc !== undefined) delete metadata[hvc.key];
  domain.metadata = { ...metadata, ...hvcMetadataForDomain(changes.metadata) };
  const os = child(domain, 'os');
  if (os !== undefined) delete os.nvram;
  const devices = child(domain, 'devices');
  let own = 0;
  // The definition's disks are the XML's, in document order.
  for (const [index, disk] of children(devices, 'disk').entries()) {
    const read = source.disks[index];
    if (read === undefined || !isOwnDisk(read)) continue;
    const path = changes.diskPaths[own++];
    if (path === undefined) continue;
    disk['@_type'] = 'file';
    disk.source = { '@_file': path };
    disk.driver = { ...(child(disk, 'driver') ?? { '@_name': 'qemu' }), '@_type': 'qcow2' };
    delete disk.backingStore;
  }
  // The source's cloud-init seed stays the source's: the clone uses it as a plain ISO and never deletes it.
  for (const disk of children(devices, 'disk')) {
    if (attr(child(disk, 'alias'), 'name') === SEED_ALIAS) delete disk.alias;
  }
  for (const nic of children(devices, 'interface')) delete nic.mac;
  for (const device of [...children(devices, 'serial'), ...children(devices, 'console')]) {
    const log = child(device, 'log');
    const file = attr(log, 'file');
    if (log !== undefined && file !== undefined) log['@_file'] = join(dirname(file), `${changes.name}.log`);
  }
  for (const graphics of children(devices, 'graphics')) {
    graphics['@_autoport'] = 'yes';
    graphics['@_port'] = '-1';
    if (graphics['@_websocket'] !== undefined) graphics['@_websocket'] = '-1';
    if (graphics['@_type'] === 'vnc' || graphics['@_type'] === 'spice')
      graphics['@_passwd'] = changes.vncPassword;
  }
  return buildXml(document);
}
