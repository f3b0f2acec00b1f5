import { benchSettings } from '../bench-settings.js';
import { parseCliOptions } from '../cli-options.js';
import { libvirtSection } from '../report/libvirt-section.js';
import { runLibvirtScenario } from './libvirt-scenario.js';

// The libvirt section alone (`pnpm --filter @hvc/bench bench:libvirt [--quick]`): prints its Markdown; `pnpm bench`
// runs it with the rest and writes it into BENCHMARKS.md.
const options = parseCliOptions(process.argv.slice(2));
const log = (line: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const result = await runLibvirtScenario(benchSettings(options.quick), log);
process.stdout.write(`${libvirtSection(result)}\n`);
