import { z } from 'zod';

/** One address as QGA (`ipv4`/`ipv6`) or iproute (`inet`/`inet6`, PVE's container route) names its family. */
const PveIpAddressSchema = z.looseObject({
  'ip-address': z.string(),
  'ip-address-type': z.string(),
  prefix: z.coerce.number().optional(),
});

/** One interface of QGA's `guest-network-get-interfaces` or of pve-container `LXC.pm get_interfaces`. */
const PveGuestInterfaceSchema = z.looseObject({
  name: z.string().optional(),
  'hardware-address': z.string().optional(),
  hwaddr: z.string().optional(),
  'ip-addresses': z.array(PveIpAddressSchema).nullish(),
});

/** `GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces`: `{ result: [...] }`. */
export const PveAgentInterfacesSchema = z.looseObject({
  result: z.array(PveGuestInterfaceSchema).nullish(),
});

/** `GET /nodes/{node}/lxc/{vmid}/interfaces`: the list, or `null` for a stopped container. */
export const PveContainerInterfacesSchema = z.array(PveGuestInterfaceSchema).nullable();

/** One interface as either route answers. */
export type PveGuestInterface = z.output<typeof PveGuestInterfaceSchema>;
