import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

/** Every file below `dir`, by path relative to it, with its text. */
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

/** The Buf CLI of a package that generates code from protos (its `buf.gen.yaml`, its own `buf` bin). */
export interface BufWorkspace {
  /** Runs `buf <args>` in the package. */
  buf(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  /** Generates afresh into a scratch folder: the files it wrote under `src/gen`, and the committed ones. */
  generate(): Promise<{ generated: Map<string, string>; committed: Map<string, string> }>;
  /** Removes the scratch folder. */
  dispose(): void;
}

/** The Buf CLI of the package in `packageDir`. */
export function bufWorkspace(packageDir: string): BufWorkspace {
  const env = {
    ...process.env,
    PATH: `${join(packageDir, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
  };
  const buf = (...args: string[]) => promisify(execFile)('buf', args, { cwd: packageDir, env });
  const out = mkdtempSync(join(tmpdir(), 'hvc-gen-'));
  return {
    buf,
    async generate() {
      await buf('generate', '--output', out);
      return { generated: files(join(out, 'src', 'gen')), committed: files(join(packageDir, 'src', 'gen')) };
    },
    dispose: () => rmSync(out, { recursive: true, force: true }),
  };
}
