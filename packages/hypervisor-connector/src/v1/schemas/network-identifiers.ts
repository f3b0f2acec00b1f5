import { z } from 'zod';

/** An IPv4 address, e.g. `10.0.0.1`. */
export const Ipv4Schema = z.ipv4({ error: 'not an IPv4 address' });

/** An IPv6 address, e.g. `fd00::1` or `fe80::1`. */
export const Ipv6Schema = z.ipv6({ error: 'not an IPv6 address' });

/** An IPv4 or IPv6 address. */
export const IpAddressSchema = z.union([Ipv4Schema, Ipv6Schema], { error: 'not an IP address' });

/** An IPv4 address with its prefix length, e.g. `10.0.0.5/24` (host bits allowed, as PVE and cloud-init take it). */
export const Ipv4CidrSchema = z.cidrv4({ error: 'not an IPv4 address with a prefix length (a.b.c.d/n)' });

/** An IPv6 address with its prefix length, e.g. `fd00::5/64`. */
export const Ipv6CidrSchema = z.cidrv6({ error: 'not an IPv6 address with a prefix length (addr/n)' });

/** A host name as RFC 1123 allows: labels of letters, digits and `-`, at most 63 each, 253 in all. */
export const HostnameSchema = z
  .string()
  .max(253, 'a host name has at most 253 characters')
  .regex(
    /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
    'not a host name (RFC 1123: letters, digits and "-", labels of at most 63)',
  );
