import { ConflictError, type GuestPatch } from '@hvc/hypervisor-connector';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import { LibvirtUpdateOptionsSchema, libvirtOptions } from '../connector/provider-options.js';
import { parseDomainXml } from '../domains/domain-definition.js';
import { DomainState } from '../domains/domain-state.js';
import type { LocatedDomain } from '../domains/guest-locator.js';
import {
  HVC_METADATA_KEY,
  HVC_METADATA_URI,
  type HvcMetadata,
  hvcMetadataXml,
} from '../domains/hvc-metadata.js';
import { RemoteProcedure as P } from '../protocol/generated/remote-protocol.gen.js';
import { XML_INACTIVE } from './guest-delete.js';
import { assertNameFree } from './guest-placement.js';

/** `VIR_DOMAIN_AFFECT_LIVE` and `VIR_DOMAIN_AFFECT_CONFIG`. */
export const AFFECT_LIVE = 1;
export const AFFECT_CONFIG = 2;
/** `VIR_DOMAIN_VCPU_MAXIMUM` and `VIR_DOMAIN_MEM_MAXIMUM`. */
const MAXIMUM = 4;
const METADATA_DESCRIPTION = 0;
const METADATA_ELEMENT = 2;

function conflict(uuid: string, message: string, reason: string): ConflictError {
  return new ConflictError(`cannot update guest ${uuid}: ${message}`, {
    retryable: false,
    details: { guestId: uuid, reason },
  });
}

/**
 * Sets a count (vCPUs, memory) and its maximum to `wanted` in the order libvirt accepts — the count may never
 * exceed the maximum: the maximum first when growing, the count first otherwise.
 */
async function setWithMaximum(
  figures: { readonly current: number; readonly maximum: number },
  wanted: number,
  set: (value: number, flags: number) => Promise<unknown>,
): Promise<void> {
  if (wanted > figures.maximum) {
    await set(wanted, AFFECT_CONFIG | MAXIMUM);
    await set(wanted, AFFECT_CONFIG);
    return;
  }
  if (figures.current !== wanted) await set(wanted, AFFECT_CONFIG);
  if (figures.maximum !== wanted) await set(wanted, AFFECT_CONFIG | MAXIMUM);
}

/**
 * `updateGuest`, applied at once (libvirt changes a definition synchronously, so no operation is returned). First
 * every check: no operation of this process holds the guest, `ifMatch` equals the configuration digest of
 * `guest.raw.digest` (CONFLICT otherwise), a rename or a template mark needs a shut off guest and a free name. Then
 * the persistent configuration changes, each with its own call: vCPUs and memory (maximum and current, so a running
 * guest gets them at its next boot), the description and hvc's metadata (tags, `providerOptions.libvirt.template`;
 * live too when it runs), the name last (`DOMAIN_RENAME`).
 */
export async function updateGuest(
  context: LibvirtContext,
  uuid: string,
  patch: GuestPatch,
  signal?: AbortSignal,
): Promise<undefined> {
  const options = libvirtOptions(LibvirtUpdateOptionsSchema, patch.providerOptions, 'guest patch');
  context.locks.assertFree(uuid);
  await context.locator.withDomain(uuid, signal, async (located) => {
    const { host, dom } = located;
    const [live, config, { state }] = await Promise.all([
      host.call(P.REMOTE_PROC_DOMAIN_GET_XML_DESC, { dom, flags: 0 }, signal),
      host.call(P.REMOTE_PROC_DOMAIN_GET_XML_DESC, { dom, flags: XML_INACTIVE }, signal),
      host.call(P.REMOTE_PROC_DOMAIN_GET_STATE, { dom, flags: 0 }, signal),
    ]);
    const current = parseDomainXml(live.xml);
    const persistent = parseDomainXml(config.xml);
    if (patch.ifMatch !== undefined && patch.ifMatch !== current.digest) {
      throw conflict(uuid, `its configuration is no longer version ${patch.ifMatch}`, 'if-match');
    }
    const active = state !== DomainState.SHUTOFF;
    const rename = patch.name !== undefined && patch.name !== persistent.name;
    if (rename && active) throw conflict(uuid, 'only a shut off guest can be renamed', 'wrong-state');
    if (options.template === true && active) {
      throw conflict(uuid, 'only a shut off guest can become a template', 'wrong-state');
    }
    if (rename) await assertNameFree(context, patch.name!, signal);
    await applyPatch(located, persistent, patch, options.template, active, signal);
    if (rename) {
      await host.call(P.REMOTE_PROC_DOMAIN_RENAME, { dom, new_name: patch.name!, flags: 0 }, signal);
      context.locator.remember(uuid, host, patch.name!);
    }
  });
  return undefined;
}

async function applyPatch(
  { host, dom }: LocatedDomain,
  persistent: ReturnType<typeof parseDomainXml>,
  patch: GuestPatch,
  template: boolean | undefined,
  active: boolean,
  signal?: AbortSignal,
): Promise<void> {
  const affect = active ? AFFECT_LIVE | AFFECT_CONFIG : AFFECT_CONFIG;
  if (patch.cpus !== undefined) {
    await setWithMaximum(
      { current: persistent.vcpus, maximum: persistent.maxVcpus },
      patch.cpus,
      (nvcpus, flags) => host.call(P.REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS, { dom, nvcpus, flags }, signal),
    );
  }
  if (patch.memoryMiB !== undefined) {
    const kib = { current: persistent.currentMemoryBytes / 1024, maximum: persistent.memoryBytes / 1024 };
    await setWithMaximum(kib, patch.memoryMiB * 1024, (memory, flags) =>
      host.call(P.REMOTE_PROC_DOMAIN_SET_MEMORY_FLAGS, { dom, memory: BigInt(memory), flags }, signal),
    );
  }
  if (patch.description !== undefined) {
    await host.call(
      P.REMOTE_PROC_DOMAIN_SET_METADATA,
      { dom, type: METADATA_DESCRIPTION, metadata: patch.description, key: null, uri: null, flags: affect },
      signal,
    );
  }
  if (patch.tags !== undefined || template !== undefined) {
    const metadata = {
      ...persistent.metadata,
      ...(patch.tags === undefined ? {} : { tags: [...patch.tags] }),
      ...(template === undefined ? {} : { template }),
    };
    await writeHvcMetadata({ host, dom }, metadata, active, signal);
  }
}

/** Replaces a guest's hvc metadata (`DOMAIN_SET_METADATA`, element type): its configuration, and live when `active`. */
export async function writeHvcMetadata(
  { host, dom }: Pick<LocatedDomain, 'host' | 'dom'>,
  metadata: HvcMetadata,
  active: boolean,
  signal?: AbortSignal,
): Promise<void> {
  await host.call(
    P.REMOTE_PROC_DOMAIN_SET_METADATA,
    {
      dom,
      type: METADATA_ELEMENT,
      metadata: hvcMetadataXml(metadata),
      key: HVC_METADATA_KEY,
      uri: HVC_METADATA_URI,
      flags: active ? AFFECT_LIVE | AFFECT_CONFIG : AFFECT_CONFIG,
    },
    signal,
  );
}
