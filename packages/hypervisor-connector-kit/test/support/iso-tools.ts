import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary directory for one test file's images; `cleanup` removes it. */
export function scratchDirectory(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'hvc-iso-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs a tool and returns its output; a non-zero exit fails the test with the tool's stderr. */
export function tool(command: string, args: readonly string[]): { stdout: string; stderr: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr };
}

/** Writes `image` to `dir/name` and returns the path. */
export function writeImage(dir: string, name: string, image: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, image);
  return path;
}

/** `blkid -p -o export` of an image file as a key/value map (TYPE, LABEL, VERSION...). */
export function blkid(path: string): Record<string, string> {
  const { stdout } = tool('blkid', ['-p', '-o', 'export', path]);
  // `-o export` escapes spaces and other specials with a backslash.
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => {
        const at = line.indexOf('=');
        return [line.slice(0, at), line.slice(at + 1).replace(/\\(.)/g, '$1')];
      }),
  );
}

/**
 * Every file of the image as xorriso reads it (its Joliet tree): extracted with `-osirrox on -extract`. Fails when
 * xorriso reports a SORRY, FAILURE or FATAL event.
 */
export function extractWithXorriso(path: string, into: string): Map<string, Buffer> {
  const { stderr } = tool('xorriso', [
    '-abort_on',
    'SORRY',
    '-osirrox',
    'on',
    '-indev',
    path,
    '-extract',
    '/',
    into,
  ]);
  if (/SORRY|FAILURE|FATAL/.test(stderr)) throw new Error(`xorriso complained: ${stderr}`);
  return new Map(readdirSync(into).map((name) => [name, readFileSync(join(into, name))]));
}

/** The names xorriso finds under `/`, sorted. */
export function listWithXorriso(path: string): string[] {
  const { stdout, stderr } = tool('xorriso', [
    '-abort_on',
    'SORRY',
    '-indev',
    path,
    '-find',
    '/',
    '-type',
    'f',
  ]);
  if (/SORRY|FAILURE|FATAL/.test(stderr)) throw new Error(`xorriso complained: ${stderr}`);
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replace(/^'\/(.*)'$/, '$1'))
    .sort();
}

/** The bytes of one file read with `isoinfo -x`, from the Joliet tree (`joliet`) or the primary one. */
export function isoinfoExtract(path: string, name: string, joliet: boolean): Buffer {
  return execFileSync('isoinfo', [...(joliet ? ['-J'] : []), '-i', path, '-x', name], {
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Debian's Python, the one the `python3-yaml` package installs PyYAML into (whatever else `PATH` finds first). */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** A YAML document parsed by PyYAML's `safe_load` (cloud-init's parser), returned through JSON. */
export function pyYamlLoad(text: string): unknown {
  const script = 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))';
  return JSON.parse(execFileSync(DEBIAN_PYTHON, ['-c', script], { input: text, encoding: 'utf8' }));
}

/** Whether `actual` holds exactly `expected` (a byte compare: a deep equal of megabytes is slow). */
export function sameBytes(actual: Uint8Array | undefined, expected: Uint8Array): boolean {
  return actual !== undefined && Buffer.from(actual).equals(Buffer.from(expected));
}
