import type { SshProxyMode } from './libvirt-uri.js';
import { DEFAULT_UNIX_SOCKET } from './socket-transport.js';

/** Quotes `value` for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** What runs on the SSH host to bridge the channel to the daemon. */
export interface SshProxyCommand {
  readonly proxy: SshProxyMode;
  /** The URI the daemon opens (`virt-ssh-helper` picks the socket from it). */
  readonly name: string;
  /** The daemon's socket on the remote host, for netcat. */
  readonly socket?: string;
  /** The netcat binary on the remote host. */
  readonly netcat?: string;
  readonly readOnly: boolean;
}

/**
 * The remote command, as libvirt's `virNetClientSSHHelperCommand` (9.0.0) builds it: `virt-ssh-helper URI`
 * (native), `nc -U SOCKET` (netcat, with `-q0` where that nc needs it so it exits at EOF), or, for `auto`,
 * the helper when the host has it and nc otherwise. Every argument is shell-quoted.
 */
export function sshProxyCommand(command: SshProxyCommand): string {
  const netcat = shellQuote(command.netcat ?? 'nc');
  const socket = shellQuote(command.socket ?? DEFAULT_UNIX_SOCKET);
  const nc =
    `if ${netcat} -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ARG=-q0; else ARG=; fi; ` +
    `${netcat} $ARG -U ${socket}`;
  const helper = `virt-ssh-helper${command.readOnly ? ' -r' : ''} ${shellQuote(command.name)}`;
  switch (command.proxy) {
    case 'native':
      return `sh -c ${shellQuote(helper)}`;
    case 'netcat':
      return `sh -c ${shellQuote(nc)}`;
    case 'auto':
      return `sh -c ${shellQuote(`if which virt-ssh-helper >/dev/null 2>&1; then ${helper}; else ${nc}; fi`)}`;
  }
}
