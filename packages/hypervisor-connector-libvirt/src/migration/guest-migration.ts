import {
  ConflictError,
  isHypervisorError,
  type MigrateSpec,
  type Operation,
} from '@hvc/hypervisor-connector';
import { abortableDelay, type CallContext } from '@hvc/hypervisor-connector-kit';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import { LibvirtMigrateOptionsSchema, libvirtOptions } from '../connector/provider-options.js';
import { isOwnDisk, parseDomainXml } from '../domains/domain-definition.js';
import { DomainState } from '../domains/domain-state.js';
import { type DomainStatus, readDomainStatus } from '../domains/domain-status.js';
import { domainRef } from '../domains/guest-locator.js';
import { diskVolume, XML_INACTIVE } from '../guests/guest-delete.js';
import type { LibvirtHost } from '../hosts/libvirt-host.js';
import type { OperationRef } from '../operations/operation-id.js';
import { RemoteProcedure as P } from '../protocol/generated/remote-protocol.gen.js';
import { ullongParam } from '../rpc/typed-params.js';
import { parseLibvirtUri } from '../transport/libvirt-uri.js';
import { readDomainJob } from './job-progress.js';

/** `virDomainMigrateFlags` the connector uses. */
const MIGRATE = {
  LIVE: 1,
  PEER2PEER: 2,
  PERSIST_DEST: 8,
  UNDEFINE_SOURCE: 16,
  NON_SHARED_DISK: 64,
  UNSAFE: 512,
  OFFLINE: 1024,
} as const;

/** How often a running migration's progress is read. */
const PROGRESS_EVERY_MS = 500;

function conflict(uuid: string, message: string, reason: string): ConflictError {
  return new ConflictError(`cannot migrate guest ${uuid}: ${message}`, {
    retryable: false,
    details: { guestId: uuid, reason },
  });
}

/** The URI the source daemon reaches the destination by (`dconnuri`): a network URI, never a local socket. */
function destinationUri(context: LibvirtContext, uuid: string, destination: LibvirtHost): string {
  const uri = destination.config.migrationUri ?? destination.config.uri;
  if (parseLibvirtUri(uri).transport === 'unix') {
    throw conflict(
      uuid,
      `node ${context.target.nodeName(destination)} is reached through a local socket; give it a \`migrationUri\` ` +
        'the other hosts can use',
      'no-migration-uri',
    );
  }
  return uri;
}

/** Whether every disk of the guest is a volume of the target's shared pool (then libvirt's safety check is moot). */
async function disksInSharedPool(context: LibvirtContext, status: DomainStatus, signal?: AbortSignal) {
  if (!context.config.sharedPool) return false;
  const { xml } = await status.host.call(
    P.REMOTE_PROC_DOMAIN_GET_XML_DESC,
    { dom: status.dom, flags: XML_INACTIVE },
    signal,
  );
  const volumes = await Promise.all(
    parseDomainXml(xml)
      .disks.filter(isOwnDisk)
      .map((disk) => diskVolume(status.host, disk, context.config.pool, signal)),
  );
  return volumes.every((volume) => volume?.pool === context.config.pool);
}

/**
 * `migrateGuest`: peer to peer (`DOMAIN_MIGRATE_PERFORM3_PARAMS` on the source, the destination's `migrationUri`
 * as `dconnuri`), the definition moved (`PERSIST_DEST | UNDEFINE_SOURCE`): live for a running guest, offline
 * (`OFFLINE`, the definition only) for a stopped one. Checked first: the node exists (NOT_FOUND) and is another,
 * the guest's state fits `online` and it has no snapshots (libvirt refuses to migrate those) — all CONFLICT.
 * Disks all in the target's shared pool add `VIR_MIGRATE_UNSAFE` (libvirt trusts only cluster filesystems);
 * `providerOptions.libvirt.storageCopy` copies the disks instead (`NON_SHARED_DISK`), `.unsafe` forces the flag,
 * `.bandwidthMiBps` caps the transfer. Progress comes from `DOMAIN_GET_JOB_STATS`; cancelling aborts libvirt's job
 * (`DOMAIN_ABORT_JOB`) and the operation ends cancelled.
 */
export async function migrateGuest(
  context: LibvirtContext,
  call: CallContext,
  uuid: string,
  spec: MigrateSpec,
): Promise<Operation> {
  const { signal } = call;
  const options = libvirtOptions(LibvirtMigrateOptionsSchema, spec.providerOptions, 'migrate spec');
  context.locks.assertFree(uuid);
  const destination = await context.target.byNode(spec.targetNode, signal);
  const status = await readDomainStatus(context.locator, uuid, signal);
  const running = status.state !== DomainState.SHUTOFF;
  const live = spec.online ?? running;
  await call.require(live ? 'migration.live' : 'migration.offline', 'vm');
  if (destination === status.host)
    throw conflict(uuid, `it is on node ${spec.targetNode} already`, 'same-node');
  if (live && !running) throw conflict(uuid, 'it does not run: migrate it offline', 'wrong-state');
  if (!live && running) throw conflict(uuid, 'it runs: migrate it live, or stop it first', 'wrong-state');
  const { num } = await status.host.call(
    P.REMOTE_PROC_DOMAIN_SNAPSHOT_NUM,
    { dom: status.dom, flags: 0 },
    signal,
  );
  if (num > 0) {
    throw conflict(
      uuid,
      `it has ${num} snapshot(s), which libvirt does not migrate: delete them first`,
      'snapshots',
    );
  }
  const dconnuri = destinationUri(context, uuid, destination);
  let flags = MIGRATE.PEER2PEER | MIGRATE.PERSIST_DEST | MIGRATE.UNDEFINE_SOURCE;
  if (live) {
    flags |= MIGRATE.LIVE;
    if (options.storageCopy) flags |= MIGRATE.NON_SHARED_DISK;
    const unsafe =
      options.unsafe ?? (!options.storageCopy && (await disksInSharedPool(context, status, signal)));
    if (unsafe) flags |= MIGRATE.UNSAFE;
  } else {
    flags |= MIGRATE.OFFLINE;
  }
  const params =
    options.bandwidthMiBps === undefined ? [] : [ullongParam('bandwidth', options.bandwidthMiBps)];
  const target = context.target.nodeName(destination);
  return context.operations.begin({
    type: 'migrate',
    node: context.target.nodeName(status.host),
    uuid,
    arg: target,
    cancellable: true,
    raw: { host: status.host.display, name: status.dom.name, destination: target, live, flags },
    work: async (run) => {
      const abort = () =>
        void status.host.call(P.REMOTE_PROC_DOMAIN_ABORT_JOB, { dom: status.dom }, run.closing).catch(() => {
          // No job (yet, or any more): the migration call itself tells how it ended.
        });
      run.cancel.addEventListener('abort', abort, { once: true });
      const finished = new AbortController();
      void followProgress(status, run.progress, AbortSignal.any([finished.signal, run.closing]));
      try {
        await status.host.call(
          P.REMOTE_PROC_DOMAIN_MIGRATE_PERFORM3_PARAMS,
          { dom: status.dom, dconnuri, params, cookie_in: new Uint8Array(0), flags },
          run.closing,
        );
      } finally {
        finished.abort();
        run.cancel.removeEventListener('abort', abort);
      }
      context.locator.remember(uuid, destination, status.dom.name);
      return undefined;
    },
  });
}

/** Reports the source's job progress until `signal` fires. */
async function followProgress(status: DomainStatus, report: (value: number) => void, signal: AbortSignal) {
  try {
    for (;;) {
      await abortableDelay(PROGRESS_EVERY_MS, signal);
      const job = await readDomainJob(status, signal);
      if (job.progress !== undefined) report(job.progress);
    }
  } catch {
    // The migration ended (or the connector closed): nothing left to follow.
  }
}

/** Aborts the job of a migration another process started (its source is the node in the id). */
export async function abortMigration(context: LibvirtContext, ref: OperationRef, signal?: AbortSignal) {
  const source = await context.target.byNode(ref.node, signal);
  try {
    await source.call(P.REMOTE_PROC_DOMAIN_ABORT_JOB, { dom: domainRef(ref.uuid, '') }, signal);
  } catch (error) {
    // No job any more: the migration ended meanwhile, which the operation's state shows.
    if (!isHypervisorError(error, 'CONFLICT')) throw error;
  }
}
