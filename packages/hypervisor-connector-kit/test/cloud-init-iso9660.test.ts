import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildIso9660Image, type IsoFile, MAX_ISO_FILES } from '../src/cloud-init/index.js';
import {
  blkid,
  extractWithXorriso,
  isoinfoExtract,
  listWithXorriso,
  sameBytes,
  scratchDirectory,
  tool,
  writeImage,
} from './support/iso-tools.js';
import { violatedFields } from './support/violated-fields.js';

const scratch = scratchDirectory();
afterAll(scratch.cleanup);
const RECORDED_AT = new Date('2026-03-04T05:06:07Z');
let imageCount = 0;

/** Builds an image and writes it to the scratch directory. */
function imageFile(files: readonly IsoFile[], volumeId = 'cidata'): string {
  imageCount += 1;
  return writeImage(
    scratch.dir,
    `${imageCount}.iso`,
    buildIso9660Image({ volumeId, files, recordedAt: RECORDED_AT }),
  );
}

/** `length` bytes that differ from sector to sector, so a misplaced extent cannot compare equal. */
function bytes(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed * 7 + (i >> 11)) & 0xff);
}

describe('buildIso9660Image, read back by blkid, isoinfo and xorriso', () => {
  const text = new TextEncoder();
  const seed: IsoFile[] = [
    { name: 'user-data', data: text.encode('#cloud-config\n{}\n') },
    { name: 'meta-data', data: text.encode('{"instance-id": "x"}\n') },
    { name: 'network-config', data: text.encode('{"version": 2}\n') },
  ];

  it('is an ISO-9660 volume with a Joliet tree and the label', () => {
    const path = imageFile(seed);
    expect(blkid(path)).toMatchObject({ TYPE: 'iso9660', LABEL: 'cidata', VERSION: 'Joliet Extension' });
    const description = tool('isoinfo', ['-d', '-i', path]).stdout;
    expect(description).toContain('Volume id: cidata');
    expect(description).toContain('Joliet with UCS level 3 found');
    expect(description).toMatch(/Volume size is: 178\b/);
    // 16 system sectors, 3 descriptors, 4 path tables, 2 root directories, 3 files, 150 of padding.
    expect(tool('xorriso', ['-indev', path, '-pvd_info']).stdout).toMatch(/Creation Time: 2026030405060700/);
  });

  it('lists and gives back every file through both trees', () => {
    const path = imageFile(seed);
    const joliet = tool('isoinfo', ['-J', '-f', '-i', path]).stdout.trim().split('\n');
    expect(joliet).toEqual(['/meta-data', '/network-config', '/user-data']);
    const primary = tool('isoinfo', ['-l', '-i', path]).stdout;
    for (const name of ['META-DATA.;1', 'NETWORK-CONFIG.;1', 'USER-DATA.;1']) expect(primary).toContain(name);
    expect(listWithXorriso(path)).toEqual(['meta-data', 'network-config', 'user-data']);
    const extracted = extractWithXorriso(path, join(scratch.dir, 'seed-out'));
    for (const file of seed) {
      expect(sameBytes(extracted.get(file.name), file.data)).toBe(true);
      expect(sameBytes(isoinfoExtract(path, `/${file.name}`, true), file.data)).toBe(true);
      expect(sameBytes(isoinfoExtract(path, `/${file.name.toUpperCase()}.;1`, false), file.data)).toBe(true);
    }
  });

  it('keeps files of every length at and around sector boundaries', () => {
    const files = [0, 1, 2047, 2048, 2049, 4096, 1024 * 1024].map((length, i) => ({
      name: `f${length}`,
      data: bytes(length, i),
    }));
    const path = imageFile(files);
    const extracted = extractWithXorriso(path, join(scratch.dir, 'sizes-out'));
    expect(extracted.size).toBe(files.length);
    for (const file of files) expect(sameBytes(extracted.get(file.name), file.data)).toBe(true);
  });

  it('spreads a root directory over several sectors without a record crossing a boundary', () => {
    const files = Array.from({ length: MAX_ISO_FILES }, (_, i) => ({
      name: `file-${String(i).padStart(3, '0')}_${'x'.repeat(i % 17)}.cfg`,
      data: bytes(i * 13, i),
    }));
    const path = imageFile(files);
    const extracted = extractWithXorriso(path, join(scratch.dir, 'many-out'));
    expect([...extracted.keys()].sort()).toEqual(files.map((f) => f.name).sort());
    for (const file of files) expect(sameBytes(extracted.get(file.name), file.data)).toBe(true);
    expect(tool('isoinfo', ['-l', '-i', path]).stdout.match(/;1/g)).toHaveLength(MAX_ISO_FILES);
  });

  it('reads back random names of the allowed alphabet, in any order', () => {
    let state = 17;
    const random = (n: number) => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state % n;
    };
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-_';
    const names = new Set<string>();
    while (names.size < 40) {
      const part = (max: number) =>
        Array.from({ length: 1 + random(max) }, () => alphabet[random(alphabet.length)]).join('');
      names.add(random(3) === 0 ? `${part(12)}.${part(12)}` : part(30));
    }
    const files = [...names].map((name, i) => ({ name, data: bytes(random(5000), i) }));
    const path = imageFile(files);
    const extracted = extractWithXorriso(path, join(scratch.dir, 'random-out'));
    for (const file of files) expect(sameBytes(extracted.get(file.name), file.data)).toBe(true);
  });

  it('gives the same bytes for the same input and date, other bytes for another date', () => {
    const build = (recordedAt: Date) => buildIso9660Image({ volumeId: 'cidata', files: seed, recordedAt });
    expect(Buffer.from(build(RECORDED_AT)).equals(Buffer.from(build(new Date(RECORDED_AT))))).toBe(true);
    expect(Buffer.from(build(RECORDED_AT)).equals(Buffer.from(build(new Date('2026-03-04T05:06:08Z'))))).toBe(
      false,
    );
    const reordered = buildIso9660Image({
      volumeId: 'cidata',
      files: [...seed].reverse(),
      recordedAt: RECORDED_AT,
    });
    expect(listWithXorriso(writeImage(scratch.dir, 'reordered.iso', reordered))).toEqual(
      listWithXorriso(imageFile(seed)),
    );
  });

  it('takes an upper-case label and an empty volume', () => {
    const path = imageFile([], 'CIDATA');
    expect(blkid(path)).toMatchObject({ TYPE: 'iso9660', LABEL: 'CIDATA' });
    expect(listWithXorriso(path)).toEqual([]);
  });

  it.each([
    ['../x', 'a parent reference'],
    ['a/b', 'a slash'],
    ['User-Data', 'upper case'],
    ['dätä', 'non-ASCII'],
    ['', 'empty'],
    ['a'.repeat(31), '31 characters'],
    ['a.b.c', 'two dots'],
    ['.hidden', 'a leading dot'],
    ['trailing.', 'a trailing dot'],
    ['a;1', 'a version separator'],
    ['nul\0', 'a NUL'],
  ])('refuses the file name %j (%s)', (name) => {
    expect(
      violatedFields(() =>
        buildIso9660Image({ volumeId: 'cidata', files: [{ name, data: new Uint8Array() }] }),
      ),
    ).toEqual(['files.0.name']);
  });

  it('refuses duplicate names, bad labels, too many files, too many bytes and dates it cannot write', () => {
    const one = { name: 'a', data: new Uint8Array(1) };
    expect(violatedFields(() => buildIso9660Image({ volumeId: 'cidata', files: [one, one] }))).toEqual([
      'files.1.name',
    ]);
    for (const volumeId of ['', 'a'.repeat(17), 'ci data', 'cïdata']) {
      expect(violatedFields(() => buildIso9660Image({ volumeId, files: [] }))).toEqual(['volumeId']);
    }
    const many = Array.from({ length: MAX_ISO_FILES + 1 }, (_, i) => ({
      name: `f${i}`,
      data: new Uint8Array(),
    }));
    expect(violatedFields(() => buildIso9660Image({ volumeId: 'cidata', files: many }))).toEqual(['files']);
    const big = { name: 'big', data: new Uint8Array(64 * 1024 * 1024 + 1) };
    expect(violatedFields(() => buildIso9660Image({ volumeId: 'cidata', files: [big] }))).toEqual([
      'files.0.data',
    ]);
    const halves = ['a', 'b'].map((name) => ({ name, data: new Uint8Array(32 * 1024 * 1024) }));
    expect(violatedFields(() => buildIso9660Image({ volumeId: 'cidata', files: halves }))).toEqual(['files']);
    for (const recordedAt of [
      new Date('1899-12-31T23:59:59Z'),
      new Date('2156-01-01T00:00:00Z'),
      new Date(Number.NaN),
    ]) {
      expect(violatedFields(() => buildIso9660Image({ volumeId: 'cidata', files: [], recordedAt }))).toEqual([
        'recordedAt',
      ]);
    }
  });
});
