import { InvalidArgumentError } from '@hvc/hypervisor-connector';

/** One file of an ISO-9660 image; all files live in the root directory. */
export interface IsoFile {
  /**
   * The name as readers see it (the Joliet name): 1..30 of `a-z`, `0-9`, `-` and `_`, with at most one `.` inside.
   * The primary tree carries the upper-cased name with `;1`, which Linux lower-cases again when it has no Joliet.
   */
  readonly name: string;
  readonly data: Uint8Array;
}

/** What {@link buildIso9660Image} writes. */
export interface Iso9660ImageOptions {
  /** The volume label (`blkid` LABEL): 1..16 of `A-Z`, `a-z`, `0-9`, `_` and `-` (16: the Joliet field's room). */
  readonly volumeId: string;
  readonly files: readonly IsoFile[];
  /** The date written into every record and descriptor, 1900..2155 (the record's one-byte year); now when absent. */
  readonly recordedAt?: Date;
}

/** The largest image the writer builds in memory: it is meant for seed images of a few small files. */
export const MAX_ISO_IMAGE_BYTES = 64 * 1024 * 1024;
/** The most files one image holds. */
export const MAX_ISO_FILES = 256;

const SECTOR = 2048;
const PVD_LBA = 16;
const JOLIET_SVD_LBA = 17;
const TERMINATOR_LBA = 18;
/** L and M path tables of the primary tree, then of the Joliet tree: one sector each. */
const PATH_TABLE_LBAS = { primaryL: 19, primaryM: 20, jolietL: 21, jolietM: 22 } as const;
const FIRST_FREE_LBA = 23;
/**
 * Zero sectors after the last file, counted in the volume, as genisoimage and xorriso pad by default: Linux reads
 * ahead on a CD-ROM, and on a volume of a few sectors the guest's reads near the end fail (a 28-sector seed on an
 * IDE CD-ROM was not found by its label; padded, it is).
 */
export const ISO_PADDING_SECTORS = 150;
/** A root-only path table: one 10-byte record. */
const PATH_TABLE_BYTES = 10;

const FILE_NAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)?$/;
const VOLUME_ID = /^[A-Za-z0-9_-]{1,16}$/;

/**
 * Builds an ISO-9660 image with a primary volume descriptor and a Joliet supplementary descriptor, every file in
 * the root directory. The output depends only on the options: with a fixed `recordedAt` the same files give the
 * same bytes. Throws INVALID_ARGUMENT naming the field for a bad label, name, duplicate, date or size.
 */
export function buildIso9660Image(options: Iso9660ImageOptions): Uint8Array {
  const recordedAt = options.recordedAt ?? new Date();
  checkOptions(options, recordedAt);

  const primaryDirectory = directory(options.files, primaryIdentifier, comparePrimary);
  const jolietDirectory = directory(options.files, ucs2, compareCodeUnits);
  const primaryRootLba = FIRST_FREE_LBA;
  const jolietRootLba = primaryRootLba + primaryDirectory.sectors;
  let next = jolietRootLba + jolietDirectory.sectors;
  const extents = options.files.map((file) => {
    const lba = next;
    // A sector even for an empty file: every record then points inside the volume.
    next += Math.max(1, Math.ceil(file.data.length / SECTOR));
    return lba;
  });
  const totalSectors = next + ISO_PADDING_SECTORS;
  if (totalSectors * SECTOR > MAX_ISO_IMAGE_BYTES) {
    throw invalid('files', `the image would exceed ${MAX_ISO_IMAGE_BYTES} bytes`);
  }

  const image = new Uint8Array(totalSectors * SECTOR);
  const view = new DataView(image.buffer);
  const date = recordDate(recordedAt);
  const trees = [
    { descriptorLba: PVD_LBA, rootLba: primaryRootLba, dir: primaryDirectory, joliet: false },
    { descriptorLba: JOLIET_SVD_LBA, rootLba: jolietRootLba, dir: jolietDirectory, joliet: true },
  ] as const;
  for (const tree of trees) {
    const rootBytes = tree.dir.sectors * SECTOR;
    writeVolumeDescriptor(image, view, tree.descriptorLba * SECTOR, {
      joliet: tree.joliet,
      volumeId: options.volumeId,
      totalSectors,
      rootRecord: directoryRecord(new Uint8Array([0]), tree.rootLba, rootBytes, true, date),
      pathTableL: tree.joliet ? PATH_TABLE_LBAS.jolietL : PATH_TABLE_LBAS.primaryL,
      pathTableM: tree.joliet ? PATH_TABLE_LBAS.jolietM : PATH_TABLE_LBAS.primaryM,
      date: descriptorDate(recordedAt),
    });
    writePathTable(
      view,
      (tree.joliet ? PATH_TABLE_LBAS.jolietL : PATH_TABLE_LBAS.primaryL) * SECTOR,
      tree.rootLba,
      true,
    );
    writePathTable(
      view,
      (tree.joliet ? PATH_TABLE_LBAS.jolietM : PATH_TABLE_LBAS.primaryM) * SECTOR,
      tree.rootLba,
      false,
    );
    const records = [
      directoryRecord(new Uint8Array([0]), tree.rootLba, rootBytes, true, date),
      directoryRecord(new Uint8Array([1]), tree.rootLba, rootBytes, true, date),
      ...tree.dir.order.map((i) =>
        directoryRecord(
          tree.dir.identifiers[i] as Uint8Array,
          extents[i] as number,
          options.files[i]?.data.length ?? 0,
          false,
          date,
        ),
      ),
    ];
    writeDirectory(image, tree.rootLba * SECTOR, records);
  }
  writeDescriptorHeader(image, TERMINATOR_LBA * SECTOR, 255);
  options.files.forEach((file, i) => {
    image.set(file.data, (extents[i] as number) * SECTOR);
  });
  return image;
}

function checkOptions(options: Iso9660ImageOptions, recordedAt: Date): void {
  if (!VOLUME_ID.test(options.volumeId)) {
    throw invalid('volumeId', 'a volume label is 1..16 of A-Z, a-z, 0-9, "_" and "-"');
  }
  if (options.files.length > MAX_ISO_FILES) throw invalid('files', `at most ${MAX_ISO_FILES} files`);
  const seen = new Set<string>();
  options.files.forEach((file, i) => {
    if (file.name.length > 30 || !FILE_NAME.test(file.name)) {
      throw invalid(
        `files.${i}.name`,
        'a file name is 1..30 of a-z, 0-9, "-" and "_", with at most one "." inside',
      );
    }
    if (seen.has(file.name)) throw invalid(`files.${i}.name`, 'the name is already taken by another file');
    seen.add(file.name);
    if (file.data.length > MAX_ISO_IMAGE_BYTES) {
      throw invalid(`files.${i}.data`, `a file has at most ${MAX_ISO_IMAGE_BYTES} bytes`);
    }
  });
  const year = recordedAt.getUTCFullYear();
  if (Number.isNaN(recordedAt.getTime()) || year < 1900 || year > 2155) {
    throw invalid('recordedAt', 'the date must lie in the years 1900..2155');
  }
}

function invalid(field: string, message: string): InvalidArgumentError {
  return new InvalidArgumentError(`invalid ISO-9660 image: ${field}: ${message}`, {
    violations: [{ field, message }],
  });
}

interface Directory {
  /** The file identifier of each file, by file index. */
  readonly identifiers: readonly Uint8Array[];
  /** File indexes in the directory's sort order. */
  readonly order: readonly number[];
  readonly sectors: number;
}

/** The records of the root directory of one tree: identifiers, their order, and the sectors they fill. */
function directory(
  files: readonly IsoFile[],
  identify: (name: string) => Uint8Array,
  compare: (a: string, b: string) => number,
): Directory {
  const identifiers = files.map((file) => identify(file.name));
  const keys = files.map((file) => file.name);
  const order = keys.map((_, i) => i).sort((a, b) => compare(keys[a] as string, keys[b] as string));
  const lengths = [34, 34, ...order.map((i) => recordLength((identifiers[i] as Uint8Array).length))];
  return { identifiers, order, sectors: layOut(lengths).sectors };
}

/** The primary tree's identifier: `NAME.EXT;1`, or `NAME.;1` without an extension (ISO 9660 §7.5). */
function primaryIdentifier(name: string): Uint8Array {
  const upper = name.toUpperCase();
  return latin1(`${upper.includes('.') ? upper : `${upper}.`};1`);
}

/** ISO 9660 §9.3: by name, then by extension, each compared as if padded with spaces. */
function comparePrimary(a: string, b: string): number {
  const [aName = '', aExt = ''] = a.toUpperCase().split('.');
  const [bName = '', bExt = ''] = b.toUpperCase().split('.');
  return comparePadded(aName, bName) || comparePadded(aExt, bExt);
}

function comparePadded(a: string, b: string): number {
  const width = Math.max(a.length, b.length);
  return compareCodeUnits(a.padEnd(width, ' '), b.padEnd(width, ' '));
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A directory record's length: 33 bytes, the identifier, and a pad byte that keeps the length even. */
function recordLength(identifierLength: number): number {
  return 33 + identifierLength + (identifierLength % 2 === 0 ? 1 : 0);
}

/** Offsets of records laid one after the other, a record never crossing a sector boundary (ISO 9660 §6.8.1.1). */
function layOut(lengths: readonly number[]): { offsets: number[]; sectors: number } {
  let offset = 0;
  const offsets = lengths.map((length) => {
    if ((offset % SECTOR) + length > SECTOR) offset = Math.ceil(offset / SECTOR) * SECTOR;
    const at = offset;
    offset += length;
    return at;
  });
  return { offsets, sectors: Math.max(1, Math.ceil(offset / SECTOR)) };
}

function writeDirectory(image: Uint8Array, at: number, records: readonly Uint8Array[]): void {
  const { offsets } = layOut(records.map((record) => record.length));
  records.forEach((record, i) => {
    image.set(record, at + (offsets[i] as number));
  });
}

function directoryRecord(
  identifier: Uint8Array,
  lba: number,
  size: number,
  isDirectory: boolean,
  date: Uint8Array,
) {
  const record = new Uint8Array(recordLength(identifier.length));
  const view = new DataView(record.buffer);
  record[0] = record.length;
  bothEndian32(view, 2, lba);
  bothEndian32(view, 10, size);
  record.set(date, 18);
  record[25] = isDirectory ? 2 : 0;
  bothEndian16(view, 28, 1);
  record[32] = identifier.length;
  record.set(identifier, 33);
  return record;
}

interface VolumeDescriptorFields {
  readonly joliet: boolean;
  readonly volumeId: string;
  readonly totalSectors: number;
  readonly rootRecord: Uint8Array;
  readonly pathTableL: number;
  readonly pathTableM: number;
  readonly date: Uint8Array;
}

/** A primary (type 1) or Joliet supplementary (type 2, UCS-2 level 3) volume descriptor (ECMA-119 §8.4, §8.5). */
function writeVolumeDescriptor(
  image: Uint8Array,
  view: DataView,
  at: number,
  fields: VolumeDescriptorFields,
): void {
  writeDescriptorHeader(image, at, fields.joliet ? 2 : 1);
  const text = (offset: number, length: number, value = '') =>
    fields.joliet
      ? writeUcs2Padded(image, at + offset, length, value)
      : writeLatin1Padded(image, at + offset, length, value);
  text(8, 32); // system identifier
  text(40, 32, fields.volumeId);
  if (fields.joliet) image.set(latin1('%/E'), at + 88);
  bothEndian32(view, at + 80, fields.totalSectors);
  bothEndian16(view, at + 120, 1); // volume set size
  bothEndian16(view, at + 124, 1); // volume sequence number
  bothEndian16(view, at + 128, SECTOR);
  bothEndian32(view, at + 132, PATH_TABLE_BYTES);
  view.setUint32(at + 140, fields.pathTableL, true);
  view.setUint32(at + 148, fields.pathTableM, false);
  image.set(fields.rootRecord, at + 156);
  for (const [offset, length] of [
    [190, 128],
    [318, 128],
    [446, 128],
    [574, 128],
    [702, 37],
    [739, 37],
    [776, 37],
  ] as const) {
    text(offset, length); // volume set, publisher, preparer, application, copyright, abstract, bibliographic
  }
  image.set(fields.date, at + 813); // creation
  image.set(fields.date, at + 830); // modification
  image.set(UNSET_DATE, at + 847); // expiration
  image.set(UNSET_DATE, at + 864); // effective
  image[at + 881] = 1; // file structure version
}

function writeDescriptorHeader(image: Uint8Array, at: number, type: number): void {
  image[at] = type;
  image.set(latin1('CD001'), at + 1);
  image[at + 6] = 1;
}

/** The one record of a root-only path table, little-endian (L) or big-endian (M). */
function writePathTable(view: DataView, at: number, rootLba: number, littleEndian: boolean): void {
  view.setUint8(at, 1); // identifier length
  view.setUint32(at + 2, rootLba, littleEndian);
  view.setUint16(at + 6, 1, littleEndian); // parent: the root itself
}

/** A directory record's 7-byte date, UTC (ECMA-119 §9.1.5). */
function recordDate(date: Date): Uint8Array {
  return new Uint8Array([
    date.getUTCFullYear() - 1900,
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    0,
  ]);
}

/** A volume descriptor's 17-byte date: `YYYYMMDDhhmmsscc` in digits and a UTC offset byte (ECMA-119 §8.4.26.1). */
function descriptorDate(date: Date): Uint8Array {
  const two = (n: number) => String(n).padStart(2, '0');
  const digits = `${date.getUTCFullYear()}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}00`;
  const out = new Uint8Array(17);
  out.set(latin1(digits));
  return out;
}

/** "Not specified": sixteen `0` digits and a zero offset. */
const UNSET_DATE = (() => {
  const out = new Uint8Array(17);
  out.set(latin1('0'.repeat(16)));
  return out;
})();

function bothEndian16(view: DataView, at: number, value: number): void {
  view.setUint16(at, value, true);
  view.setUint16(at + 2, value, false);
}

function bothEndian32(view: DataView, at: number, value: number): void {
  view.setUint32(at, value, true);
  view.setUint32(at + 4, value, false);
}

/** ASCII text as bytes; callers pass checked ASCII only. */
function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** UCS-2 big-endian, as Joliet stores names. */
function ucs2(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    out[i * 2] = text.charCodeAt(i) >> 8;
    out[i * 2 + 1] = text.charCodeAt(i) & 0xff;
  }
  return out;
}

function writeLatin1Padded(image: Uint8Array, at: number, length: number, value: string): void {
  image.fill(0x20, at, at + length);
  image.set(latin1(value), at);
}

/** UCS-2 spaces over the even part of the field (an odd field keeps its last byte zero), then the value. */
function writeUcs2Padded(image: Uint8Array, at: number, length: number, value: string): void {
  for (let i = 0; i + 1 < length; i += 2) image[at + i + 1] = 0x20;
  image.set(ucs2(value), at);
}
