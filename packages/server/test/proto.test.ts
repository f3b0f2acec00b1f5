import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bufWorkspace } from '../../../test/support/buf-workspace.js';

const workspace = bufWorkspace(join(dirname(fileURLToPath(import.meta.url)), '..'));
afterAll(() => workspace.dispose());

// The hvc.v1 protos live in @hvc/client; these are upstream's, as vendored.
describe('the vendored grpc.health and grpc.reflection protos', () => {
  it('match the committed generated code', async () => {
    const { generated, committed } = await workspace.generate();
    expect(generated).toEqual(committed);
  });
});
