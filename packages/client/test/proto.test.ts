import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bufWorkspace } from '../../../test/support/buf-workspace.js';

const workspace = bufWorkspace(join(dirname(fileURLToPath(import.meta.url)), '..'));
afterAll(() => workspace.dispose());

describe('the hvc.v1 protos', () => {
  it('pass buf lint', async () => {
    const { stdout, stderr } = await workspace.buf('lint');
    expect(stdout + stderr).toBe('');
  });

  it('match the committed generated code', async () => {
    const { generated, committed } = await workspace.generate();
    expect(generated).toEqual(committed);
  });
});
