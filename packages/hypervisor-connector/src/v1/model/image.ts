import type { GuestType } from './guest.js';

/** What a guest can be made from: an ISO, a disk image (a cloud image), an OS container template, a guest template. */
export const IMAGE_KINDS = ['iso', 'disk-image', 'container-template', 'template'] as const;

/** One of {@link IMAGE_KINDS}. */
export type ImageKind = (typeof IMAGE_KINDS)[number];

/** An ISO, a disk image, an OS container template, or a guest template. */
export interface Image {
  /**
   * A volume id (`local:iso/debian.iso`, `local:import/noble.qcow2`, `default:noble.qcow2`) or, for a `template`,
   * the template guest's id.
   */
  readonly id: string;
  readonly kind: ImageKind;
  /** The file name, or the template guest's name. */
  readonly name: string;
  /** The storage holding it; absent for a template. */
  readonly storage?: string;
  /** The node a volume on local storage (or a template) lives on; absent on shared storage. */
  readonly node?: string;
  /** `iso`, `qcow2`, `raw`, `vmdk`, `tar.zst`... */
  readonly format?: string;
  /** The file's size in bytes. */
  readonly sizeBytes?: number;
  /** A disk image's virtual size in bytes, when the hypervisor reports it. */
  readonly virtualSizeBytes?: number;
  /** When it was made, ISO 8601, when the hypervisor says. */
  readonly createdAt?: string;
  /** For a `template`: the type of guest it makes. */
  readonly guestType?: GuestType;
  /** The hypervisor's own record. */
  readonly raw: Readonly<Record<string, unknown>>;
}
