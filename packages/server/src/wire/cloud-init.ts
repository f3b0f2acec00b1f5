import type { MessageInitShape } from '@bufbuild/protobuf';
import type { CloudInitSpec, NicAddressing, NicAddressingSchema } from '@hvc/client/v1';
import type { CloudInitSpecInput, GuestCloudInitConfig } from '@hvc/hypervisor-connector';
import { compact } from './compact.js';

type Addressing = GuestCloudInitConfig['interfaces'][number];

/** The addresses of one NIC as the contract writes them. */
function addressingFromProto(nic: NicAddressing): Record<string, unknown> {
  const { ipv4, ipv6 } = nic;
  return compact({
    ipv4:
      ipv4.case === 'ipv4Dhcp'
        ? ipv4.value
          ? 'dhcp'
          : undefined
        : ipv4.case === 'ipv4Static'
          ? compact({ address: ipv4.value.address, gateway: ipv4.value.gateway })
          : undefined,
    ipv6:
      ipv6.case === 'ipv6Dhcp'
        ? ipv6.value
          ? 'dhcp'
          : undefined
        : ipv6.case === 'ipv6Slaac'
          ? ipv6.value
            ? 'slaac'
            : undefined
          : ipv6.case === 'ipv6Static'
            ? compact({ address: ipv6.value.address, gateway: ipv6.value.gateway })
            : undefined,
  });
}

/**
 * The contract's cloud-init input of a request's `cloud_init`, unvalidated (the guest spec's schema validates it).
 * The password passes through untouched and is never copied anywhere else.
 */
export function cloudInitFromProto(spec: CloudInitSpec): CloudInitSpecInput {
  return compact({
    user: spec.user,
    password: spec.password,
    passwordHash: spec.passwordHash,
    sshAuthorizedKeys: spec.sshAuthorizedKeys,
    hostname: spec.hostname,
    interfaces: spec.interfaces.map(addressingFromProto),
    dns: spec.dns && compact({ nameservers: spec.dns.nameservers, searchDomains: spec.dns.searchDomains }),
    userData: spec.userData,
    userDataVolume: spec.userDataVolume,
    packageUpgrade: spec.packageUpgrade,
  }) as CloudInitSpecInput;
}

/** The addresses of one NIC as the API answers them. */
export function addressingToProto(nic: Addressing): MessageInitShape<typeof NicAddressingSchema> {
  const { ipv4, ipv6 } = nic;
  return {
    ipv4:
      ipv4 === undefined
        ? { case: undefined }
        : ipv4 === 'dhcp'
          ? { case: 'ipv4Dhcp', value: true }
          : { case: 'ipv4Static', value: { address: ipv4.address, gateway: ipv4.gateway } },
    ipv6:
      ipv6 === undefined
        ? { case: undefined }
        : ipv6 === 'dhcp'
          ? { case: 'ipv6Dhcp', value: true }
          : ipv6 === 'slaac'
            ? { case: 'ipv6Slaac', value: true }
            : { case: 'ipv6Static', value: { address: ipv6.address, gateway: ipv6.gateway } },
  };
}
