import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabFacts, LabHostFacts } from './lab-facts.js';
import { tinyGuestXml } from './tiny-guest-xml.js';
import { virsh } from './virsh.js';

/** A tiny guest defined on a lab host. */
export interface TinyGuest {
  readonly name: string;
  /** Its domain UUID (what the connector calls the guest id). */
  readonly uuid: string;
  /** Its 64 MiB qcow2 volume in the shared `default` pool. */
  readonly diskPath: string;
  readonly serialLogPath: string;
  /** The XML it was defined with. */
  readonly xml: string;
}

/** What {@link defineTinyGuest} makes, beyond the name. */
export interface TinyGuestOptions {
  /** An ISO to attach as a CD-ROM (see `makeCidataIso`). */
  readonly cdromPath?: string;
}

/**
 * Refreshes the shared pool on every lab host: a volume made or removed through one shows in all. A host whose pool
 * has a volume job running (another test file's upload) refuses a refresh until it ends: tried again meanwhile.
 */
export async function refreshPools(lab: LabFacts): Promise<void> {
  const refresh = async (uri: string): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await virsh(uri, ['pool-refresh', lab.pool.name]);
        return;
      } catch (error) {
        if (!/has asynchronous jobs running/.test(String(error)) || attempt === 40) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  };
  await Promise.all(lab.hosts.map((host) => refresh(host.unixUri)));
}

/**
 * Defines (does not start) the tiny guest `name` on `host` with the real virsh: a 64 MiB qcow2 volume
 * `NAME.qcow2` in the shared pool (then refreshed on every host), the domain type from the host's capabilities,
 * the serial log in the lab's serial directory.
 */
export async function defineTinyGuest(
  lab: LabFacts,
  host: LabHostFacts,
  name: string,
  options: TinyGuestOptions = {},
): Promise<TinyGuest> {
  if (!host.domainTypes.includes('qemu')) {
    throw new Error(`${host.name} offers no 'qemu' domains (capabilities: ${host.domainTypes.join(', ')})`);
  }
  await virsh(host.unixUri, ['vol-create-as', lab.pool.name, `${name}.qcow2`, '64M', '--format', 'qcow2']);
  await refreshPools(lab);
  const diskPath = join(lab.pool.path, `${name}.qcow2`);
  const serialLogPath = join(lab.serialDir, `${name}.log`);
  const xml = tinyGuestXml({
    name,
    domainType: 'qemu',
    kernelPath: lab.guestImage.kernelPath,
    initrdPath: lab.guestImage.initrdPath,
    diskPath,
    serialLogPath,
    ...(options.cdromPath === undefined ? {} : { cdromPath: options.cdromPath }),
  });
  const xmlPath = join(lab.serialDir, `${name}.xml`);
  await writeFile(xmlPath, xml);
  try {
    await virsh(host.unixUri, ['define', xmlPath]);
  } finally {
    await rm(xmlPath, { force: true });
  }
  const uuid = (await virsh(host.unixUri, ['domuuid', name])).trim();
  return { name, uuid, diskPath, serialLogPath, xml };
}

/**
 * Removes the tiny guest `name` from `host`, whatever its state: destroyed when it runs, undefined with its
 * volumes (pools refreshed on every host) and its serial log.
 */
export async function deleteTinyGuest(lab: LabFacts, host: LabHostFacts, name: string): Promise<void> {
  const state = (await virsh(host.unixUri, ['domstate', name])).trim();
  if (state !== 'shut off') await virsh(host.unixUri, ['destroy', name]);
  await virsh(host.unixUri, ['undefine', name, '--remove-all-storage']);
  await refreshPools(lab);
  await rm(join(lab.serialDir, `${name}.log`), { force: true });
}
