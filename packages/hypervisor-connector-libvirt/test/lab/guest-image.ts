import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GuestImageFacts } from './lab-facts.js';

const BUILD_SCRIPT = fileURLToPath(new URL('./guest/build-guest-image.sh', import.meta.url));

/**
 * Makes sure the tiny guest's kernel and initramfs are in `cacheDir/guest` (built by guest/build-guest-image.sh
 * from Debian's cloud kernel and busybox-static, downloaded into `cacheDir/debs` when missing; ~7 s, or
 * ~0.2 s when the cached image is current).
 */
export function ensureGuestImage(cacheDir: string): Promise<GuestImageFacts> {
  return new Promise((resolve, reject) => {
    execFile('bash', [BUILD_SCRIPT, cacheDir], { timeout: 600_000 }, (error, _stdout, stderr) => {
      if (error !== null) {
        reject(new Error(`building the lab's guest image failed: ${stderr.trim() || error.message}`));
        return;
      }
      const guest = join(cacheDir, 'guest');
      resolve({ kernelPath: join(guest, 'vmlinuz'), initrdPath: join(guest, 'initrd.img') });
    });
  });
}
