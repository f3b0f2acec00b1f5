import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const packageDir = join(import.meta.dirname, '..');

describe('TESTING.md', () => {
  it('runs the fast-test example: short tasks, quick polls and ticket expiry on the fake’s clock', async () => {
    const testing = await readFile(join(packageDir, '..', 'pve-fake', 'TESTING.md'), 'utf8');
    const example = [...testing.matchAll(/```ts\n([\s\S]*?)```/g)]
      .map((match) => match[1] ?? '')
      .find((code) => code.includes('fake.clock.advance('));
    expect(example).toBeDefined();
    // Written inside the package so that its imports resolve; removed afterwards.
    const file = join(packageDir, 'test', `.fast-tests-example-${process.pid}.ts`);
    await writeFile(file, example ?? '');
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--conditions=@hvc/source', '--import', 'tsx', file],
        { cwd: packageDir, timeout: 50_000 },
      );
      // The guest started, the expired ticket was replaced by a second login, and the call after it succeeded.
      expect(stdout.trim().split('\n')).toEqual(['succeeded', 'running', '2']);
    } finally {
      await rm(file, { force: true });
    }
  }, 60_000);
});
