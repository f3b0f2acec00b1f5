import { z } from 'zod';
import { VolumeIdSchema } from './identifiers.js';
import {
  HostnameSchema,
  IpAddressSchema,
  Ipv4CidrSchema,
  Ipv4Schema,
  Ipv6CidrSchema,
  Ipv6Schema,
} from './network-identifiers.js';
import { SshPublicKeySchema } from './ssh-public-key.js';

/** A static IPv4 configuration: an address with its prefix length, and the default gateway. */
export const StaticIpv4ConfigSchema = z.strictObject({
  address: Ipv4CidrSchema,
  gateway: Ipv4Schema.optional(),
});

/** A static IPv6 configuration: an address with its prefix length, and the default gateway. */
export const StaticIpv6ConfigSchema = z.strictObject({
  address: Ipv6CidrSchema,
  gateway: Ipv6Schema.optional(),
});

/** Addresses of one NIC; index i configures `nics[i]`. An absent family is left to the image (PVE: DHCPv4). */
export const NicAddressingSchema = z.strictObject({
  ipv4: z
    .union([z.literal('dhcp'), StaticIpv4ConfigSchema], { error: 'either "dhcp" or { address, gateway? }' })
    .optional(),
  /** `slaac`: stateless autoconfiguration (cloud-init 19.4+). */
  ipv6: z
    .union([z.literal('dhcp'), z.literal('slaac'), StaticIpv6ConfigSchema], {
      error: 'either "dhcp", "slaac" or { address, gateway? }',
    })
    .optional(),
});

/** The resolver configuration of the guest. */
export const DnsConfigSchema = z.strictObject({
  nameservers: z.array(IpAddressSchema).max(3).optional(),
  searchDomains: z.array(HostnameSchema).max(6).optional(),
});

/** A crypt(3) SHA-256 or SHA-512 hash (`$5$`, `$6$`, with an optional `rounds=`). */
const CRYPT_SHA_HASH = /^\$[56]\$(rounds=\d{4,9}\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{43,86}$/;

/**
 * First-boot configuration of a VM through cloud-init. Secrets: `password` never leaves the process in clear — the
 * connector sends a SHA-512 crypt hash (`$6$`) — and no field value appears in errors or logs.
 */
export const CloudInitSpecSchema = z
  .strictObject({
    /** The login user that gets the keys and password; the image's default user when absent. */
    user: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'not a user name (a-z, 0-9, "_" and "-", at most 32)')
      .optional(),
    /** Plain password (secret). Hashed by the connector. Exclusive with `passwordHash`. */
    password: z
      .string()
      .min(1, 'empty password')
      .max(256, 'a password has at most 256 characters')
      .optional(),
    /** A crypt(3) SHA-256/512 hash (`$5$`/`$6$`), taken as is. Other schemes (yescrypt `$y$`) are refused. */
    passwordHash: z.string().regex(CRYPT_SHA_HASH, 'not a $5$/$6$ crypt hash').optional(),
    /** OpenSSH public key lines installed for `user`. */
    sshAuthorizedKeys: z.array(SshPublicKeySchema).max(64).optional(),
    /** The guest's host name; the guest's `name` when absent. */
    hostname: HostnameSchema.optional(),
    /** Per NIC, by index. At most as many entries as the guest has NICs. */
    interfaces: z.array(NicAddressingSchema).max(32).optional(),
    dns: DnsConfigSchema.optional(),
    /** Extra user-data (a `#cloud-config` document or a script), merged under the generated one. */
    userData: z.string().min(1).max(65_536).optional(),
    /** The same, as a snippet volume that already exists. Exclusive with `userData`. */
    userDataVolume: VolumeIdSchema.optional(),
    /** Upgrade packages at first boot. */
    packageUpgrade: z.boolean().default(false),
  })
  .refine((c) => !(c.password !== undefined && c.passwordHash !== undefined), {
    message: 'password and passwordHash are exclusive',
    path: ['passwordHash'],
  })
  .refine((c) => !(c.userData !== undefined && c.userDataVolume !== undefined), {
    message: 'userData and userDataVolume are exclusive',
    path: ['userDataVolume'],
  });

/** Cloud-init input as callers write it. */
export type CloudInitSpecInput = z.input<typeof CloudInitSpecSchema>;
/** Cloud-init configuration after validation and defaults. */
export type CloudInitSpec = z.output<typeof CloudInitSpecSchema>;
/** The addresses of one NIC. */
export type NicAddressing = z.output<typeof NicAddressingSchema>;
