/**
 * Cloud-init for connectors that build the seed themselves (libvirt): a NoCloud seed builder (`user-data`,
 * `network-config` v2, `meta-data` from a `CloudInitSpec`), the ISO-9660 writer (primary tree and Joliet) that makes
 * the `cidata` image, and SHA-crypt (SHA-512, or SHA-256) for passwords (`sha512CryptAsync` leaves the event loop
 * free meanwhile). Loads `node:crypto`; the kit's root does not load it.
 *
 * @packageDocumentation
 */

export {
  buildIso9660Image,
  ISO_PADDING_SECTORS,
  type Iso9660ImageOptions,
  type IsoFile,
  MAX_ISO_FILES,
  MAX_ISO_IMAGE_BYTES,
} from './iso9660-image.js';
export {
  buildNoCloudSeedFiles,
  buildNoCloudSeedImage,
  MAX_NOCLOUD_SEED_BYTES,
  NOCLOUD_VOLUME_ID,
  type NoCloudNic,
  type NoCloudSeedFiles,
  type NoCloudSeedInput,
} from './nocloud-seed.js';
export {
  DEFAULT_SHA512_CRYPT_ROUNDS,
  SHA512_CRYPT_ROUNDS_PER_SLICE,
  type Sha512CryptOptions,
  type ShaCryptOptions,
  sha512Crypt,
  sha512CryptAsync,
  shaCrypt,
} from './sha-crypt.js';
export { toYamlJson } from './yaml-json.js';
