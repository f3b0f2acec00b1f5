/**
 * Regenerates `src/protocol/generated/` from the libvirt `.x` files in `protocol/`.
 * Run: `pnpm --filter @hvc/hypervisor-connector-libvirt generate`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateProtocol } from './protocol-generator.js';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const outputs = generateProtocol((file) => readFileSync(join(packageRoot, 'protocol', file), 'utf8'));
for (const [name, content] of outputs) {
  writeFileSync(join(packageRoot, 'src/protocol/generated', name), content);
  process.stdout.write(`wrote src/protocol/generated/${name}\n`);
}
