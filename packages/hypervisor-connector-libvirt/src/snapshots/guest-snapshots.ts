import {
  AlreadyExistsError,
  isHypervisorError,
  type Operation,
  type Snapshot,
  type SnapshotSpec,
} from '@hvc/hypervisor-connector';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import { isNoDomain, type LocatedDomain } from '../domains/guest-locator.js';
import { attr, buildXml, child, parseXml, textOf } from '../domains/xml-codec.js';
import {
  RemoteProcedure as P,
  type RemoteNonnullDomainSnapshot,
} from '../protocol/generated/remote-protocol.gen.js';

/** A snapshot read from libvirt, with what orders it. */
interface ReadSnapshot {
  readonly snapshot: Snapshot;
  readonly createdAt: number;
}

/** A snapshot's XML (`DOMAIN_SNAPSHOT_GET_XML_DESC`) as the contract's {@link Snapshot}. */
export function parseSnapshotXml(xml: string): ReadSnapshot {
  const snapshot = child(parseXml(xml), 'domainsnapshot');
  const name = textOf(snapshot, 'name') ?? '';
  const description = textOf(snapshot, 'description');
  const parent = textOf(child(snapshot, 'parent'), 'name');
  const state = textOf(snapshot, 'state') ?? 'unknown';
  const seconds = Number(textOf(snapshot, 'creationTime') ?? Number.NaN);
  const memory = attr(child(snapshot, 'memory'), 'snapshot');
  const includesMemory = memory === undefined ? state === 'running' || state === 'paused' : memory !== 'no';
  return {
    createdAt: Number.isFinite(seconds) ? seconds : 0,
    snapshot: {
      name,
      ...(description === undefined ? {} : { description }),
      ...(Number.isFinite(seconds) ? { createdAt: new Date(seconds * 1000).toISOString() } : {}),
      ...(parent === undefined ? {} : { parent }),
      includesMemory,
      raw: { name, state, memory: memory ?? null, creationTime: Number.isFinite(seconds) ? seconds : null },
    },
  };
}

/**
 * Oldest first: by creation time (whole seconds), and within one second parents before their children (libvirt
 * lists snapshots in no particular order).
 */
export function orderSnapshots(snapshots: readonly ReadSnapshot[]): Snapshot[] {
  const byName = new Map(snapshots.map((s) => [s.snapshot.name, s]));
  const depth = (s: ReadSnapshot): number => {
    let level = 0;
    for (let parent = s.snapshot.parent; parent !== undefined && level < byName.size; level++) {
      parent = byName.get(parent)?.snapshot.parent;
    }
    return level;
  };
  return [...snapshots]
    .sort((a, b) => a.createdAt - b.createdAt || depth(a) - depth(b))
    .map((s) => s.snapshot);
}

/** A guest's snapshots, oldest first: the list, then each one's XML, all at once. */
export function listSnapshots(
  context: LibvirtContext,
  uuid: string,
  signal?: AbortSignal,
): Promise<Snapshot[]> {
  return context.locator.withDomain(uuid, signal, async ({ host, dom }) => {
    const { snapshots } = await host.call(
      P.REMOTE_PROC_DOMAIN_LIST_ALL_SNAPSHOTS,
      { dom, need_results: 1, flags: 0 },
      signal,
    );
    const read = await Promise.all(
      snapshots.map(async (snap) => {
        const { xml } = await host.call(
          P.REMOTE_PROC_DOMAIN_SNAPSHOT_GET_XML_DESC,
          { snap, flags: 0 },
          signal,
        );
        return parseSnapshotXml(xml);
      }),
    );
    return orderSnapshots(read);
  });
}

/** The snapshot `name` of a located guest; NOT_FOUND when it has none. */
function lookupSnapshot(
  located: LocatedDomain,
  name: string,
  signal?: AbortSignal,
): Promise<RemoteNonnullDomainSnapshot> {
  return located.host
    .call(P.REMOTE_PROC_DOMAIN_SNAPSHOT_LOOKUP_BY_NAME, { dom: located.dom, name, flags: 0 }, signal)
    .then((reply) => reply.snap);
}

/**
 * `createSnapshot`: an internal snapshot (every disk must be qcow2). ALREADY_EXISTS for a name in use, before
 * anything is taken. libvirt's internal snapshot of a running QEMU guest always saves its memory (`savevm`; the
 * guest pauses meanwhile), so one taken while it runs includes memory whatever `includeMemory` says, and one of a
 * shut off guest never does; `listSnapshots` tells which.
 */
export async function createSnapshot(
  context: LibvirtContext,
  uuid: string,
  spec: SnapshotSpec,
  signal?: AbortSignal,
): Promise<Operation> {
  context.locks.assertFree(uuid);
  const status = await context.locator.withDomain(uuid, signal, async (located) => {
    const exists = await lookupSnapshot(located, spec.name, signal).then(
      () => true,
      (error: unknown) => {
        if (isHypervisorError(error, 'NOT_FOUND') && !isNoDomain(error)) return false;
        throw error;
      },
    );
    if (exists) {
      throw new AlreadyExistsError(`guest ${uuid} has a snapshot called ${spec.name}`, {
        details: { guestId: uuid, snapshot: spec.name },
      });
    }
    return located;
  });
  const xml = buildXml({
    domainsnapshot: {
      name: spec.name,
      ...(spec.description === undefined ? {} : { description: spec.description }),
    },
  });
  return context.operations.begin({
    type: 'snapshot.create',
    node: context.target.nodeName(status.host),
    uuid,
    arg: spec.name,
    raw: { host: status.host.display, name: status.dom.name, snapshot: spec.name },
    work: async (run) => {
      await status.host.call(
        P.REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML,
        { dom: status.dom, xml_desc: xml, flags: 0 },
        run.closing,
      );
      return undefined;
    },
  });
}

/**
 * `rollbackSnapshot` (`DOMAIN_REVERT_TO_SNAPSHOT`) and `deleteSnapshot` (`DOMAIN_SNAPSHOT_DELETE`, its children
 * kept): NOT_FOUND for a snapshot the guest does not have, before anything changes. Reverting to a snapshot taken
 * while the guest ran leaves it running, from that moment.
 */
export async function changeSnapshot(
  context: LibvirtContext,
  uuid: string,
  name: string,
  change: 'rollback' | 'delete',
  signal?: AbortSignal,
): Promise<Operation> {
  context.locks.assertFree(uuid);
  const { status, snap } = await context.locator.withDomain(uuid, signal, async (located) => ({
    status: located,
    snap: await lookupSnapshot(located, name, signal),
  }));
  return context.operations.begin({
    type: change === 'rollback' ? 'snapshot.rollback' : 'snapshot.delete',
    node: context.target.nodeName(status.host),
    uuid,
    arg: name,
    raw: { host: status.host.display, name: status.dom.name, snapshot: name },
    work: async (run) => {
      if (change === 'rollback') {
        await status.host.call(P.REMOTE_PROC_DOMAIN_REVERT_TO_SNAPSHOT, { snap, flags: 0 }, run.closing);
      } else {
        await status.host.call(P.REMOTE_PROC_DOMAIN_SNAPSHOT_DELETE, { snap, flags: 0 }, run.closing);
      }
      return undefined;
    },
  });
}
