import { spawn } from 'node:child_process';

/**
 * One call through `virsh`, as scripts make them: one virsh process per call, its commands on stdin, run one after
 * the other over one connection. `getGuest`: `dumpxml` and `domstate` of one domain; `listGuests`: `list --all`,
 * then `dumpxml` and `domstate` of every domain.
 */
export function virshCall(uri: string, commands: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('virsh', ['--quiet', '-c', uri], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`virsh exited with ${code}: ${Buffer.concat(err).toString('utf8').trim()}`));
    });
    child.stdin.end(commands);
  });
}

/** The commands of one `getGuest` of domain `uuid`. */
export const virshGetGuest = (uuid: string): string => `dumpxml ${uuid}\ndomstate ${uuid}\n`;

/** The commands of one `listGuests` of `uuids`. */
export const virshListGuests = (uuids: readonly string[]): string =>
  `list --all --uuid\n${uuids.map(virshGetGuest).join('')}`;
