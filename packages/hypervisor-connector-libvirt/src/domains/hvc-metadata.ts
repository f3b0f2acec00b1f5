import { buildXml, child, children, parseXml, textOf, type XmlElement } from './xml-codec.js';

/** The namespace of hvc's element in a domain's `<metadata>`. */
export const HVC_METADATA_URI = 'urn:hvc:libvirt:1';
/** The prefix hvc gives its namespace (`DOMAIN_SET_METADATA`'s key). */
export const HVC_METADATA_KEY = 'hvc';

/**
 * What hvc keeps about a guest that libvirt has no field for, in
 * `<metadata><hvc:guest xmlns:hvc='urn:hvc:libvirt:1'>…</hvc:guest></metadata>`: whether it is a template
 * (`<hvc:template/>`; linked clones need one, and a template is never started), its tags and its resource pool.
 */
export interface HvcMetadata {
  readonly template: boolean;
  readonly tags: readonly string[];
  readonly pool?: string;
}

const EMPTY: HvcMetadata = { template: false, tags: [] };

/** Reads the hvc element of a `<guest>` element whose children carry `prefix` (`hvc:` or none). */
function readGuestElement(guest: XmlElement, prefix: string): HvcMetadata {
  const tags = children(child(guest, `${prefix}tags`), `${prefix}tag`)
    .map((tag) => textOf(tag))
    .filter((tag): tag is string => tag !== undefined);
  const pool = textOf(guest, `${prefix}pool`);
  return {
    template: child(guest, `${prefix}template`) !== undefined,
    tags,
    ...(pool === undefined ? {} : { pool }),
  };
}

/**
 * The member of a parsed `<metadata>` that is hvc's element — the one whose namespace is {@link HVC_METADATA_URI},
 * whatever prefix it was stored with — and the prefix its children carry (`hvc:`, or none).
 */
export function findHvcElement(
  metadata: XmlElement | undefined,
): { readonly key: string; readonly element: XmlElement; readonly prefix: string } | undefined {
  if (metadata === undefined) return undefined;
  for (const [key, value] of Object.entries(metadata)) {
    if (key.startsWith('@_') || typeof value !== 'object' || Array.isArray(value)) continue;
    const declaration = Object.entries(value).find(
      ([name, uri]) => (name === '@_xmlns' || name.startsWith('@_xmlns:')) && uri === HVC_METADATA_URI,
    )?.[0];
    if (declaration === undefined) continue;
    const prefix = declaration === '@_xmlns' ? '' : `${declaration.slice('@_xmlns:'.length)}:`;
    return { key, element: value, prefix };
  }
  return undefined;
}

/** The hvc metadata as `DOMAIN_GET_METADATA` returns it (the element without its namespace prefix). */
export function parseHvcMetadataElement(xml: string): HvcMetadata {
  const guest = child(parseXml(xml), 'guest');
  return guest === undefined ? EMPTY : readGuestElement(guest, '');
}

function guestElement(metadata: HvcMetadata, prefix: string): XmlElement {
  const element: XmlElement = {};
  if (metadata.template) element[`${prefix}template`] = '';
  if (metadata.pool !== undefined) element[`${prefix}pool`] = metadata.pool;
  if (metadata.tags.length > 0) element[`${prefix}tags`] = { [`${prefix}tag`]: [...metadata.tags] };
  return element;
}

/** The `<metadata>` member of a domain XML that carries `metadata` (namespaced as libvirt stores it). */
export function hvcMetadataForDomain(metadata: HvcMetadata): XmlElement {
  return {
    [`${HVC_METADATA_KEY}:guest`]: {
      '@_xmlns:hvc': HVC_METADATA_URI,
      ...guestElement(metadata, `${HVC_METADATA_KEY}:`),
    },
  };
}

/** The element `DOMAIN_SET_METADATA` takes for `metadata` (libvirt applies the namespace to it). */
export function hvcMetadataXml(metadata: HvcMetadata): string {
  return buildXml({ guest: guestElement(metadata, '') });
}
