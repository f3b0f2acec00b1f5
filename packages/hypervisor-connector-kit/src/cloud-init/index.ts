/**
 * Cloud-init for connectors that build the seed themselves (libvirt): the ISO-9660 writer (primary tree and Joliet)
 * that makes a `cidata` image.
 *
 * @packageDocumentation
 */

export {
  buildIso9660Image,
  type Iso9660ImageOptions,
  type IsoFile,
  MAX_ISO_FILES,
  MAX_ISO_IMAGE_BYTES,
} from './iso9660-image.js';
