import type { Duplex } from 'node:stream';
import { InvalidArgumentError, UnauthenticatedError, UnavailableError } from '@hvc/hypervisor-connector';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import type { ConnectContext } from './connect-attempt.js';
import { checkKnownHosts, type HostKeyVerdict, sshFingerprint } from './known-hosts.js';

/** How the SSH host proves who it is: pinned key fingerprints, known_hosts text, or both. */
export interface SshHostTrust {
  /** Accepted host key fingerprints, as `ssh-keygen -lf` prints them: `SHA256:<base64>`. */
  readonly fingerprints?: readonly string[];
  /** The content of an OpenSSH known_hosts file. */
  readonly knownHosts?: string;
}

/** Everything one SSH connection needs, already loaded. */
export interface SshMaterial {
  readonly username: string;
  /** A private key (PEM/OpenSSH). Never logged. */
  readonly privateKey?: string | Buffer;
  /** Its passphrase. Never logged. */
  readonly passphrase?: string;
  /** An ssh-agent socket path. */
  readonly agent?: string;
  readonly hostTrust: SshHostTrust;
  /** The command that bridges the channel to the daemon (see `sshProxyCommand`). */
  readonly command: string;
}

const STDERR_KEPT = 2048;

/**
 * Opens an SSH connection (the `ssh2` package, pure JavaScript), checks the host key — an unknown or changed
 * key is refused before authenticating — authenticates with a key or the agent, runs the bridge command and
 * returns its channel: the daemon's protocol flows over the command's stdin and stdout. Closing the channel
 * closes the SSH connection. The command's first stderr bytes are kept for the error if it exits early.
 */
export function connectSsh(
  host: string,
  port: number,
  material: SshMaterial,
  context: ConnectContext,
): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let hostKeyProblem: { verdict: HostKeyVerdict; fingerprint: string } | undefined;
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      context.signal.removeEventListener('abort', onAbort);
      client.end();
      reject(error);
    };
    const onAbort = (): void => fail(new UnavailableError(`${context.target}: SSH connection abandoned`));
    context.signal.addEventListener('abort', onAbort, { once: true });

    const hostVerifier = (key: Buffer): boolean => {
      const fingerprint = sshFingerprint(key);
      if (material.hostTrust.fingerprints?.some((pin) => pin.replace(/=+$/, '') === fingerprint)) return true;
      const verdict =
        material.hostTrust.knownHosts === undefined
          ? 'unknown'
          : checkKnownHosts(material.hostTrust.knownHosts, host, port, key);
      if (verdict === 'trusted') return true;
      hostKeyProblem = { verdict, fingerprint };
      return false;
    };

    client.on('error', (error: Error & { level?: string }) => {
      if (hostKeyProblem !== undefined) {
        const { verdict, fingerprint } = hostKeyProblem;
        const why =
          verdict === 'unknown'
            ? 'is not known (add it to known_hosts or pin its fingerprint)'
            : verdict === 'revoked'
              ? 'is revoked in known_hosts'
              : 'does not match the key known for this host (it changed, or the connection is intercepted)';
        fail(
          new UnavailableError(`${context.target}: refused the SSH host key ${fingerprint}: it ${why}`, {
            retryable: false,
            details: { reason: `ssh-host-key-${verdict}`, presented: fingerprint, connect: true },
          }),
        );
        return;
      }
      if (error.level === 'client-authentication') {
        fail(
          new UnauthenticatedError(`${context.target}: SSH authentication as ${material.username} failed`, {
            details: { reason: 'ssh-auth' },
          }),
        );
        return;
      }
      fail(
        new UnavailableError(`${context.target}: SSH connection failed: ${error.message}`, {
          cause: error,
          retryable: error.level !== 'protocol',
          details: { reason: 'ssh', connect: true },
        }),
      );
    });

    client.on('ready', () => {
      client.exec(material.command, (error: Error | undefined, channel: ClientChannel) => {
        if (error) {
          fail(
            new UnavailableError(
              `${context.target}: cannot run the libvirt bridge over SSH: ${error.message}`,
            ),
          );
          return;
        }
        let stderr = '';
        channel.stderr.on('data', (chunk: Buffer) => {
          if (stderr.length < STDERR_KEPT)
            stderr += chunk.toString('utf8').slice(0, STDERR_KEPT - stderr.length);
        });
        channel.on('close', () => client.end());
        // The bridge failing (no virt-ssh-helper, no nc, no socket) shows as an exit: make it the stream's error.
        channel.once('exit', (code: number | null, signal?: string) => {
          if (code === 0) return;
          const status = code === null ? `signal ${signal ?? 'unknown'}` : `status ${code}`;
          const detail = stderr.trim() === '' ? '' : `: ${stderr.trim()}`;
          const exited = new Error(`the libvirt bridge on the SSH host exited with ${status}${detail}`);
          // ssh2's channel.destroy() takes no error: report it as the stream's error, then close.
          if (settled) channel.emit('error', exited);
          else fail(new UnavailableError(`${context.target}: ${exited.message}`, { cause: exited }));
        });
        settled = true;
        context.signal.removeEventListener('abort', onAbort);
        resolve(channel);
      });
    });

    const config: ConnectConfig = {
      host,
      port,
      username: material.username,
      hostVerifier,
      // Our own deadline (connectWithin) governs; ssh2's would only race it.
      readyTimeout: 2 ** 31 - 1,
      keepaliveInterval: 0,
      ...(material.privateKey === undefined ? {} : { privateKey: material.privateKey }),
      ...(material.passphrase === undefined ? {} : { passphrase: material.passphrase }),
      ...(material.agent === undefined ? {} : { agent: material.agent }),
    };
    try {
      client.connect(config);
    } catch (error) {
      // ssh2 parses the key synchronously: a wrong passphrase or a malformed key lands here.
      fail(
        new InvalidArgumentError(`${context.target}: unusable SSH private key: ${(error as Error).message}`, {
          violations: [{ field: 'ssh.privateKey', message: 'cannot be parsed (wrong passphrase?)' }],
        }),
      );
    }
  });
}
