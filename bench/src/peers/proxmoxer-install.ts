import { ensureDebianPythonPeer, type PythonPeerAvailability } from './debian-python.js';

/** Whether the Python peer can run, and if not, why. */
export type ProxmoxerAvailability = PythonPeerAvailability;

/**
 * Makes sure Debian's `python3-proxmoxer` and `python3-requests` are installed, installing them with apt when
 * they are missing (one `apt-get update` first).
 */
export function ensureProxmoxer(log: (line: string) => void): ProxmoxerAvailability {
  return ensureDebianPythonPeer(
    {
      name: 'python3-proxmoxer',
      measures: 'the proxmoxer comparison',
      probe: 'import proxmoxer, requests; print(proxmoxer.__version__)',
      packages: ['python3', 'python3-proxmoxer', 'python3-requests'],
      update: true,
    },
    log,
  );
}
