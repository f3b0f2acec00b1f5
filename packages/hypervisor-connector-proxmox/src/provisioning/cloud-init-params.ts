import type { CloudInitSpec, NicAddressing } from '@hvc/hypervisor-connector';
import { sha512CryptAsync } from '@hvc/hypervisor-connector-kit/cloud-init';
import type { PveParamValue } from '../transport/form-encoding.js';

/**
 * `ipconfigN` of one NIC (qemu-server `QemuServer/Network.pm` `$ipconfig_fmt`): `ip=<CIDR>|dhcp,gw=`,
 * `ip6=<CIDR>|dhcp|auto,gw6=`; an addressing with neither family is left out (PVE then uses DHCPv4).
 */
function ipconfig(addressing: NicAddressing): string | undefined {
  const parts: string[] = [];
  const { ipv4, ipv6 } = addressing;
  if (ipv4 === 'dhcp') parts.push('ip=dhcp');
  else if (ipv4 !== undefined) {
    parts.push(`ip=${ipv4.address}`);
    if (ipv4.gateway !== undefined) parts.push(`gw=${ipv4.gateway}`);
  }
  if (ipv6 === 'dhcp') parts.push('ip6=dhcp');
  else if (ipv6 === 'slaac') parts.push('ip6=auto');
  else if (ipv6 !== undefined) {
    parts.push(`ip6=${ipv6.address}`);
    if (ipv6.gateway !== undefined) parts.push(`gw6=${ipv6.gateway}`);
  }
  return parts.length > 0 ? parts.join(',') : undefined;
}

/**
 * The `ci*` config keys of a cloud-init spec (qemu-server `QemuServer/Cloudinit.pm` generates the seed from them).
 * The password goes as a SHA-512 crypt hash made here, which PVE stores as it is (`$update_vm_api` keeps a value that
 * already is a `$5$`/`$6$` hash): the clear password never leaves the process. `sshkeys` is URL-encoded as PVE's
 * `urlencoded` format wants (`encodeURIComponent` leaves exactly its allowed set), and `ciupgrade` is always sent
 * because PVE's default is to upgrade. `userDataVolume` becomes a vendor snippet, so the generated user-data
 * (user, keys, password) stays in force. `hostname` and `userData` the capability gate refuses before this runs.
 * Hashing gives way to the event loop between slices of rounds, so other calls go on meanwhile.
 */
export async function cloudInitParams(cloudInit: CloudInitSpec): Promise<Record<string, PveParamValue>> {
  const params: Record<string, PveParamValue> = {
    ciuser: cloudInit.user,
    cipassword:
      cloudInit.passwordHash ??
      (cloudInit.password === undefined ? undefined : await sha512CryptAsync(cloudInit.password)),
    sshkeys:
      cloudInit.sshAuthorizedKeys === undefined || cloudInit.sshAuthorizedKeys.length === 0
        ? undefined
        : encodeURIComponent(cloudInit.sshAuthorizedKeys.join('\n')),
    nameserver: cloudInit.dns?.nameservers?.join(' ') || undefined,
    searchdomain: cloudInit.dns?.searchDomains?.join(' ') || undefined,
    ciupgrade: cloudInit.packageUpgrade ? 1 : 0,
    cicustom: cloudInit.userDataVolume === undefined ? undefined : `vendor=${cloudInit.userDataVolume}`,
  };
  (cloudInit.interfaces ?? []).forEach((addressing, index) => {
    params[`ipconfig${index}`] = ipconfig(addressing);
  });
  return params;
}
