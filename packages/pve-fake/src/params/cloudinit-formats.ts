import { splitList } from './formats.js';

/**
 * The formats of QEMU's cloud-init keys, as pve-common `src/PVE/JSONSchema.pm` and qemu-server register them.
 * Each check returns PVE's message (what follows `invalid format - `) or undefined.
 */

const IPV4_OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = `(?:${IPV4_OCTET}\\.){3}${IPV4_OCTET}`;
const IPV4_RE = new RegExp(`^${IPV4}$`);
const DNS_NAME =
  /^(?:(?:[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)\.)*(?:[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)$/;

/** An IPv6 address (`PVE::Tools::$IPV6RE`): eight groups, `::` once, an IPv4 tail allowed. */
function isIpv6(text: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.split('::').length > 2) return false;
  let groups = text.split(':');
  const tail = groups[groups.length - 1] ?? '';
  let extra = 0;
  if (tail.includes('.')) {
    if (!IPV4_RE.test(tail)) return false;
    groups = groups.slice(0, -1);
    extra = 2;
  }
  const compressed = text.includes('::');
  const filled = groups.filter((g) => g.length > 0);
  if (filled.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return compressed ? filled.length + extra <= 7 : filled.length + extra === 8 && groups.length + extra === 8;
}

/** `pve_verify_cidrv4` / `pve_verify_cidrv6`: address and a prefix of 8..32 / 8..128. */
function isCidr(text: string, v6: boolean): boolean {
  const m = /^(.+)\/(\d+)$/.exec(text);
  if (!m) return false;
  const bits = Number(m[2]);
  return bits > 7 && (v6 ? isIpv6(m[1]!) && bits <= 128 : IPV4_RE.test(m[1]!) && bits <= 32);
}

/** `pve_verify_urlencoded`. */
export function checkUrlencoded(value: string): string | undefined {
  return /^[-%a-zA-Z0-9_.!~*'()]*$/.test(value) ? undefined : `invalid urlencoded string: ${value}`;
}

/** `address-list`: each of `split_list` is an IP address or DNS name (`pve_verify_address`). */
export function checkAddressList(value: string): string | undefined {
  for (const a of splitList(value)) {
    if (!(IPV4_RE.test(a) || isIpv6(a) || DNS_NAME.test(a)))
      return `value does not look like a valid address: ${a}`;
  }
  return undefined;
}

/** Splits a property string into its `key=value` pairs, or PVE's parse error (`parse_property_string`). */
function propertyPairs(value: string): Map<string, string> | string {
  const out = new Map<string, string>();
  for (const part of value.split(',')) {
    if (/^\s*$/.test(part)) continue;
    const m = /^([^=]+)=(.+)$/.exec(part);
    if (!m) return 'value without key, but schema does not define a default key';
    if (out.has(m[1]!)) return `duplicate key in comma-separated list property: ${m[1]}`;
    out.set(m[1]!, m[2]!);
  }
  return out;
}

/**
 * A property string's nested errors, as `PVE::Exception` prints them (`format error`, then `path: message` lines),
 * without the last newline, which the caller adds as it does for every format error.
 */
export function formatErrors(errors: [string, string][]): string | undefined {
  if (errors.length === 0) return undefined;
  return `format error\n${errors.map(([path, msg]) => `${path}: ${msg}\n`).join('')}`.slice(0, -1);
}

const IPCONFIG_KEYS: Record<string, (v: string) => string | undefined> = {
  ip: (v) =>
    /^(?:dhcp|manual)$/.test(v) || isCidr(v, false)
      ? undefined
      : 'invalid format - value does not look like a valid ipv4 network configuration\n',
  gw: (v) =>
    IPV4_RE.test(v) ? undefined : 'invalid format - value does not look like a valid IPv4 address\n',
  ip6: (v) =>
    /^(?:auto|dhcp|manual)$/.test(v) || isCidr(v, true)
      ? undefined
      : 'invalid format - value does not look like a valid ipv6 network configuration\n',
  gw6: (v) => (isIpv6(v) ? undefined : 'invalid format - value does not look like a valid IPv6 address\n'),
};

/**
 * `pve-qm-ipconfig` (qemu-server `src/PVE/QemuServer/Network.pm` `$ipconfig_fmt`): `ip=dhcp|manual|<IPv4 CIDR>`,
 * `gw=<IPv4>` (requires `ip`), `ip6=auto|dhcp|manual|<IPv6 CIDR>`, `gw6=<IPv6>` (requires `ip6`).
 */
export function checkIpconfig(value: string, name: string): string | undefined {
  const pairs = propertyPairs(value);
  if (typeof pairs === 'string') return pairs;
  const errors: [string, string][] = [];
  for (const [k, v] of pairs) {
    const check = IPCONFIG_KEYS[k];
    if (!check) return `invalid key in comma-separated list property: ${k}`;
    const err = check(v);
    if (err) errors.push([`${name}.${k}`, err]);
  }
  for (const [gw, ip] of [
    ['gw', 'ip'],
    ['gw6', 'ip6'],
  ] as const) {
    if (pairs.has(gw) && !pairs.has(ip))
      errors.push([`${name}.${ip}`, `missing property required by '${name}.${gw}'`]);
  }
  return formatErrors(errors);
}

/** `pve-qm-cicustom` (qemu-server `QemuServer.pm` `$cicustom_fmt`): `meta=, network=, user=, vendor=` volume ids. */
export function checkCicustom(value: string, name: string): string | undefined {
  const pairs = propertyPairs(value);
  if (typeof pairs === 'string') return pairs;
  const errors: [string, string][] = [];
  for (const [k, v] of pairs) {
    if (!['meta', 'network', 'user', 'vendor'].includes(k))
      return `invalid key in comma-separated list property: ${k}`;
    if (!/^[a-z][a-z0-9\-_.]*[a-z0-9]:.+$/i.test(v))
      errors.push([`${name}.${k}`, `invalid format - unable to parse volume ID '${v}'\n`]);
  }
  return formatErrors(errors);
}

/** The parsed `ipconfigN` value (no checks: the value passed `checkIpconfig` when it was set). */
export function parseIpconfig(value: string): Partial<Record<'ip' | 'gw' | 'ip6' | 'gw6', string>> {
  const pairs = propertyPairs(value);
  return typeof pairs === 'string' ? {} : Object.fromEntries(pairs);
}

/** The parsed `cicustom` value. */
export function parseCicustom(
  value: string,
): Partial<Record<'meta' | 'network' | 'user' | 'vendor', string>> {
  const pairs = propertyPairs(value);
  return typeof pairs === 'string' ? {} : Object.fromEntries(pairs);
}
