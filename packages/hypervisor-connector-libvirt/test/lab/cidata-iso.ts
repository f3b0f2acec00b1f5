import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Writes an ISO-9660 image labelled `cidata` (Joliet and Rock Ridge names, as cloud-localds makes it) holding
 * `files` (name → content) to `isoPath`, with xorriso. Attached as a CD-ROM, the tiny guest prints its files.
 */
export async function makeCidataIso(isoPath: string, files: Readonly<Record<string, string>>): Promise<void> {
  const staging = await mkdtemp(join(dirname(isoPath), '.cidata-'));
  try {
    await Promise.all(
      Object.entries(files).map(([name, content]) => writeFile(join(staging, name), content)),
    );
    await run('xorriso', [
      '-as',
      'mkisofs',
      '-quiet',
      '-output',
      isoPath,
      '-volid',
      'cidata',
      '-joliet',
      '-rock',
      staging,
    ]);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
