import type { FakeEnv } from '../fake-env.js';
import { fail } from '../pve-error.js';
import { isDiskKey, parseVolumeValue, volumeSize } from './guest-volumes.js';
import type { GuestConfig } from './model.js';
import type { TaskLog } from './task-runner.js';

/** A drive to fill from an existing volume (`<storage>:0,import-from=<source>`). */
export interface DiskImport {
  readonly key: string;
  readonly source: string;
}

/** The `import-from` drives of a QEMU config change, read before the disks are allocated. */
export function diskImports(values: GuestConfig): DiskImport[] {
  const out: DiskImport[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (!isDiskKey('qemu', key) || typeof value !== 'string') continue;
    const source = parseVolumeValue(value).options.get('import-from');
    if (source !== undefined) out.push({ key, source });
  }
  return out;
}

/** pve-common `src/PVE/Format.pm` `render_bytes` (binary units, `precision` decimals). */
function renderBytes(value: number, precision: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let unit = 0;
  let v = value;
  if (v > 1023) {
    unit = Math.floor(Math.log(v) / Math.log(1024));
    v /= 1024 ** unit;
  }
  return `${v.toFixed(precision)} ${units[unit]}`;
}

/**
 * The copy of `import-from` drives inside the `qmcreate`/`qmconfig` worker, as qemu-server logs it: `clone_disk`
 * (`QemuServer.pm`) prints `create full clone of drive [<source drive> ](<source>)`, `QemuImage.pm` `convert` turns
 * qemu-img's progress into `transferred <done> of <total> (<percent>%)`, `create_disks` (`API2/Qemu.pm`) ends with
 * `<drive>: successfully created disk '<value>'`. A source that is gone by then fails the task as
 * `$import_from_volid` does (`could not get size of <source>`).
 */
export function copyImportedDisks(
  env: FakeEnv,
  node: string,
  imports: readonly DiskImport[],
  config: GuestConfig,
  log: TaskLog,
): void {
  for (const { key, source } of imports) {
    if (!env.cluster.volume(node, source)) {
      throw fail(`cannot import from '${source}' - could not get size of ${source}`);
    }
    const value = String(config[key]);
    const size = volumeSize(value);
    const owner = [...env.cluster.guests.values()].find((g) =>
      Object.entries(g.config).some(([k, v]) => isDiskKey(g.type, k) && String(v).split(',')[0] === source),
    );
    const drive = owner
      ? Object.entries(owner.config).find(([, v]) => String(v).split(',')[0] === source)?.[0]
      : undefined;
    log(`create full clone of drive ${drive === undefined ? '' : `${drive} `}(${source})`);
    for (const percent of [0, 50, 100]) {
      const done = Math.floor((size * percent) / 100);
      log(`transferred ${renderBytes(done, 1)} of ${renderBytes(size, 1)} (${percent.toFixed(2)}%)`);
    }
    log(`${key}: successfully created disk '${value}'`);
  }
}
