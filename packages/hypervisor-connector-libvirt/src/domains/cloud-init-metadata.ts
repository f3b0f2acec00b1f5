import type { CloudInitSpec, GuestCloudInitConfig } from '@hvc/hypervisor-connector';
import { child, parseXml, textOf, type XmlElement } from './xml-codec.js';

/** The namespace of the element in a domain's `<metadata>` that records its cloud-init settings (no secrets). */
export const CLOUD_INIT_METADATA_URI = 'urn:hvc:libvirt:cloud-init:1';
const PREFIX = 'hvcci';

/**
 * What `getGuestConfig` reports of a guest's cloud-init: the spec's settings without the password or its hash (only
 * whether one is set) and without user-data.
 */
export function cloudInitSummary(spec: CloudInitSpec, guestName: string): GuestCloudInitConfig {
  return {
    ...(spec.user === undefined ? {} : { user: spec.user }),
    hasPassword: spec.password !== undefined || spec.passwordHash !== undefined,
    sshAuthorizedKeys: [...(spec.sshAuthorizedKeys ?? [])],
    hostname: spec.hostname ?? guestName,
    interfaces: (spec.interfaces ?? []).map((nic) => ({
      ...(nic.ipv4 === undefined ? {} : { ipv4: nic.ipv4 }),
      ...(nic.ipv6 === undefined ? {} : { ipv6: nic.ipv6 }),
    })),
    nameservers: [...(spec.dns?.nameservers ?? [])],
    searchDomains: [...(spec.dns?.searchDomains ?? [])],
  };
}

/** The `<metadata>` member that records `summary` (as JSON text; the XML writer escapes it). */
export function cloudInitMetadataForDomain(summary: GuestCloudInitConfig): XmlElement {
  return {
    [`${PREFIX}:cloudInit`]: {
      [`@_xmlns:${PREFIX}`]: CLOUD_INIT_METADATA_URI,
      '#text': JSON.stringify(summary),
    },
  };
}

/** The summary from `DOMAIN_GET_METADATA`'s element (unprefixed), or `undefined` when it is not one. */
export function parseCloudInitMetadata(xml: string): GuestCloudInitConfig | undefined {
  const text = textOf(child(parseXml(xml), 'cloudInit'));
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as GuestCloudInitConfig;
  } catch {
    return undefined;
  }
}
