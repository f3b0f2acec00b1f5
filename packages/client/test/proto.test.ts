import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, PATH: `${join(packageDir, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` };
const buf = (...args: string[]) => promisify(execFile)('buf', args, { cwd: packageDir, env });
const out = mkdtempSync(join(tmpdir(), 'hvc-gen-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function files(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else found.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return found;
}

describe('the hvc.v1 protos', () => {
  it('pass buf lint', async () => {
    const { stdout, stderr } = await buf('lint');
    expect(stdout + stderr).toBe('');
  });

  it('match the committed generated code', async () => {
    await buf('generate', '--output', out);
    expect(files(join(out, 'src', 'gen'))).toEqual(files(join(packageDir, 'src', 'gen')));
  });
});
