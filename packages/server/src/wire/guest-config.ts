import type { MessageInitShape } from '@bufbuild/protobuf';
import type { GuestConfigSchema } from '@hvc/client/v1';
import type { GuestConfig } from '@hvc/hypervisor-connector';
import { addressingToProto } from './cloud-init.js';
import { plainJsonObject } from './plain-json.js';
import { uint } from './proto-mapping.js';

/** A guest's configuration as the API answers it: devices, boot order, cloud-init without secrets. */
export function guestConfigToProto(
  config: GuestConfig,
  targetId: string,
): MessageInitShape<typeof GuestConfigSchema> {
  const cloudInit = config.cloudInit;
  return {
    guestId: config.guestId,
    targetId,
    cpus: config.cpus,
    memoryMib: config.memoryMiB,
    firmware: config.firmware,
    boot: [...(config.boot ?? [])],
    disks: config.disks.map((d) => ({
      slot: d.slot,
      sizeBytes: uint(d.sizeBytes) ?? 0n,
      storage: d.storage,
      volumeId: d.volumeId,
      boot: d.boot,
    })),
    cdroms: config.cdroms.map((c) => ({ slot: c.slot, volumeId: c.volumeId, cloudInit: c.cloudInit })),
    nics: config.nics.map((n) => ({
      slot: n.slot,
      network: n.network,
      macAddress: n.macAddress,
      model: n.model,
      vlan: n.vlan,
      firewall: n.firewall,
    })),
    cloudInit: cloudInit && {
      user: cloudInit.user,
      hasPassword: cloudInit.hasPassword,
      sshAuthorizedKeys: [...cloudInit.sshAuthorizedKeys],
      hostname: cloudInit.hostname,
      interfaces: cloudInit.interfaces.map(addressingToProto),
      nameservers: [...cloudInit.nameservers],
      searchDomains: [...cloudInit.searchDomains],
    },
    guestAgent: config.guestAgent,
    template: config.template,
    digest: config.digest,
    raw: plainJsonObject(config.raw),
  };
}
