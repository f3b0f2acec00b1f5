import { fail, type PveError } from '../pve-error.js';

/**
 * pve-cluster `src/PVE/Cluster.pm` `check_cfs_quorum`: the routes that create, start, clone or migrate guests refuse
 * at once, before forking a task, while the cluster has no quorum (`die "cluster not ready - no quorum?\n"`).
 */
export function checkCfsQuorum(quorate: boolean): void {
  if (!quorate) throw fail('cluster not ready - no quorum?');
}

/**
 * What a config write fails with while `/etc/pve` is read-only: pmxcfs refuses writes without quorum
 * (pve-cluster `src/pmxcfs/dcdb.c`: `if (!cfs_is_quorate()) { return -EACCES; }`), which pve-common
 * `src/PVE/File.pm` `file_set_contents` reports for its temporary file.
 */
export function readOnlyConfigError(configFile: string, pid: number): PveError {
  return fail(`unable to open file '/etc/pve/${configFile}.tmp.${pid}' - Permission denied`);
}
