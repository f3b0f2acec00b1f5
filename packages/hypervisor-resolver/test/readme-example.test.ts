import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const packageDir = join(import.meta.dirname, '..');

describe('README', () => {
  it('has a runnable memory example that prints the outcome and exits on its own', async () => {
    const readme = await readFile(join(packageDir, 'README.md'), 'utf8');
    const example = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
      .map((match) => match[1] ?? '')
      .find((code) => code.includes('memoryConnectorFactory'));
    expect(example).toBeDefined();
    // Written inside the package so that workspace imports resolve; removed afterwards.
    const file = join(packageDir, 'test', `.readme-example-${process.pid}.ts`);
    await writeFile(file, example ?? '');
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--conditions=@hvc/source', '--import', 'tsx', file],
        { cwd: packageDir, timeout: 15_000 },
      );
      expect(stdout.trim()).toBe('succeeded running');
    } finally {
      await rm(file, { force: true });
    }
  });

  it('shows a control plane’s typical use in under 30 lines', async () => {
    const readme = await readFile(join(packageDir, 'README.md'), 'utf8');
    const first = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(first).toContain('createResolver');
    expect(first.trimEnd().split('\n').length).toBeLessThan(30);
  });
});
