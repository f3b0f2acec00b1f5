import { InvalidArgumentError, type TargetUriExtras } from '@hvc/hypervisor-connector';
import type { LibvirtConfigInput } from './libvirt-config.js';

/** Query parameters of a `libvirt+` target URI that configure the target rather than the first host's URI. */
const TARGET_PARAMS = new Set(['pool', 'network', 'host', 'readonly']);

function invalid(message: string, field = 'uri'): InvalidArgumentError {
  return new InvalidArgumentError(`invalid libvirt target URI: ${message}`, {
    violations: [{ field, message }],
  });
}

/**
 * The config of a target written as one URI: `libvirt+` and the first host's libvirt URI, e.g.
 * `libvirt+qemu+tls://kvm1.example/system?pool=vms&host=qemu%2Btls%3A%2F%2Fkvm2.example%2Fsystem`. The target's
 * own parameters are taken out of the query — `pool`, `network`, `readonly=1`, and `host` (repeatable: each further
 * host's URI, URL-encoded) — and the rest stays with the host URI (`socket`, `keyfile`, `pkipath`, `known_hosts`,
 * ...). A libvirt target has no secret: TLS and SSH keys are files the URI names, or config. The result is a config
 * input for `LibvirtConfigSchema`. INVALID_ARGUMENT for anything else.
 */
export function parseLibvirtTargetUri(uri: string, extras: TargetUriExtras = {}): LibvirtConfigInput {
  if (extras.secret !== undefined) {
    throw invalid(
      'a libvirt target takes no secret: give TLS and SSH keys in the config or the URI',
      'secret',
    );
  }
  const match = /^libvirt\+([^?#]+)(?:\?([^#]*))?$/i.exec(uri);
  if (match === null) throw invalid('expected libvirt+<libvirt URI>, e.g. libvirt+qemu+tcp://host/system');
  const query = new URLSearchParams(match[2] ?? '');
  const kept = new URLSearchParams();
  for (const [key, value] of query) if (!TARGET_PARAMS.has(key)) kept.append(key, value);
  const first = `${match[1]}${kept.size > 0 ? `?${kept.toString()}` : ''}`;
  const readonly = query.get('readonly');
  if (readonly !== null && !['0', '1', 'true', 'false'].includes(readonly)) {
    throw invalid('readonly is 0, 1, true or false');
  }
  const pool = query.get('pool');
  const network = query.get('network');
  return {
    hosts: [first, ...query.getAll('host')],
    ...(pool === null ? {} : { pool }),
    ...(network === null ? {} : { network }),
    ...(readonly === null ? {} : { readOnly: readonly === '1' || readonly === 'true' }),
  };
}
