import type { FakeEnv } from '../fake-env.js';
import { guestPathParams } from '../params/param-spec.js';
import { fail } from '../pve-error.js';
import { type RouteContext, type RouteDef, route } from '../router/route.js';
import { type GuestInterface, vmInterfaces } from '../state/guest-addresses.js';
import type { PveGuestState } from '../state/model.js';
import { guestOf } from './guest-context.js';

/** qemu-server `QemuServer/Agent.pm` `parse_guest_agent`: `enabled` is the default key (`agent: 1`). */
function agentEnabled(value: string): boolean {
  for (const part of value.split(',')) {
    const v = part.includes('=') ? (part.startsWith('enabled=') ? part.slice(8) : undefined) : part;
    if (v !== undefined) return v === '1' || v === 'on' || v === 'yes' || v === 'true';
  }
  return false;
}

/**
 * qemu-server `QemuServer/Agent.pm` `assert_agent_available`: `No QEMU guest agent configured` without an `agent` key
 * (`agent: 0` passes this test), `VM <vmid> is not running`, then `QEMU guest agent is not running` when
 * `guest-ping` gets no answer — here: no agent channel (`agent` disabled), the VM not in QMP state `running`, or
 * the agent not up yet (`guestAgentStartMs` after the start).
 */
function assertAgentAvailable(env: FakeEnv, g: PveGuestState): void {
  const agent = g.config.agent;
  if (agent === undefined) throw fail('No QEMU guest agent configured');
  if (g.status !== 'running') throw fail(`VM ${g.vmid} is not running`);
  const upAt = (g.startedAt ?? 0) * 1000 + env.guestAgentStartMs;
  if (!agentEnabled(String(agent)) || g.qmpstatus !== 'running' || env.clock.now() < upAt) {
    throw fail('QEMU guest agent is not running');
  }
}

/** One interface as QGA's `guest-network-get-interfaces` answers it (`GuestNetworkInterface`). */
function qgaInterface(nic: GuestInterface): Record<string, unknown> {
  return {
    name: nic.name,
    'hardware-address': nic.mac,
    'ip-addresses': nic.addresses.map((a) => ({
      'ip-address-type': a.family === 4 ? 'ipv4' : 'ipv6',
      'ip-address': a.address,
      prefix: a.prefix,
    })),
    statistics: {
      'rx-bytes': 0,
      'rx-dropped': 0,
      'rx-errs': 0,
      'rx-packets': 0,
      'tx-bytes': 0,
      'tx-dropped': 0,
      'tx-errs': 0,
      'tx-packets': 0,
    },
  };
}

/**
 * `GET .../agent/network-get-interfaces` (qemu-server `API2/Qemu/Agent.pm`): `VM.GuestAgent.Audit` or
 * `VM.GuestAgent.Unrestricted` on PVE 9, `VM.Monitor` on PVE 8 (checked before the VM is looked at), then
 * `assert_agent_available`, then `{ result: <QGA answer> }`.
 */
function networkGetInterfaces(ctx: RouteContext): { result: unknown[] } {
  const path = `/vms/${Number(ctx.params.vmid)}`;
  if (ctx.env.pveVersion === 8) ctx.env.perms.check(ctx.who, path, ['VM.Monitor']);
  else ctx.env.perms.check(ctx.who, path, ['VM.GuestAgent.Audit', 'VM.GuestAgent.Unrestricted'], true);
  const g = guestOf(ctx, 'qemu');
  assertAgentAvailable(ctx.env, g);
  return { result: vmInterfaces(ctx.env.cluster, g).map(qgaInterface) };
}

/** The guest agent route the fake serves. */
export function guestAgentRoutes(): RouteDef[] {
  return [
    route(
      'GET',
      '/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces',
      guestPathParams,
      networkGetInterfaces,
    ),
  ];
}
