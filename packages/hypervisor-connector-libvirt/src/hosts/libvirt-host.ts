import { UnavailableError } from '@hvc/hypervisor-connector';
import { SingleFlight } from '@hvc/hypervisor-connector-kit';
import type { LibvirtHostConfig } from '../config/host-config.js';
import { uuidString } from '../domains/guest-id.js';
import { DomainEventId } from '../rpc/domain-events.js';
import type { KeepaliveOptions } from '../rpc/keepalive.js';
import type { CallParameters, LibvirtClient } from '../rpc/libvirt-client.js';
import { type OpenLibvirtOptions, openLibvirt } from '../rpc/open-libvirt.js';
import type { RemoteArgs, RemoteProcedureNumber, RemoteRet } from '../rpc/remote-call.js';
import { parseLibvirtUri } from '../transport/libvirt-uri.js';
import type { LibvirtSshOptions, LibvirtTlsOptions } from '../transport/transport-options.js';
import type { DomainEventHub, DomainEventKind } from './domain-event-hub.js';
import { type HostFacts, nodeNameOf, readHostFacts } from './host-facts.js';

/** How every host of a target connects. */
export interface HostConnectOptions {
  readonly connectTimeoutMs: number;
  readonly keepalive: KeepaliveOptions | false;
  readonly readOnly: boolean;
  /** The target's TLS and SSH settings; a host's own win field by field. */
  readonly tls?: LibvirtTlsOptions;
  readonly ssh?: LibvirtSshOptions;
  /** Where the host's domain events go. */
  readonly events: DomainEventHub;
}

/**
 * One libvirt host of a target: one `LibvirtClient`, opened at the first call (concurrent first calls share the
 * open), dropped when its connection is lost and opened again by the next call — calls are never queued while the
 * host is away: they wait for the one open, bounded by the connect deadline, and fail with UNAVAILABLE. Opening
 * also registers the lifecycle, reboot and job-completed events of every domain (for operation waits) and reads the
 * host's facts (name, versions, capabilities).
 */
export class LibvirtHost {
  /** The host's position in the target config. */
  readonly index: number;
  readonly config: LibvirtHostConfig;
  /** The URI without credentials, for errors and `raw`. */
  readonly display: string;
  readonly #options: OpenLibvirtOptions;
  readonly #events: DomainEventHub;
  readonly #opening = new SingleFlight<'open', LibvirtClient>();
  #client: LibvirtClient | undefined;
  #facts: HostFacts | undefined;
  #closed = false;

  constructor(index: number, config: LibvirtHostConfig, options: HostConnectOptions) {
    this.index = index;
    this.config = config;
    this.display = parseLibvirtUri(config.uri).display;
    this.#events = options.events;
    const tls = config.tls ?? options.tls;
    const ssh = config.ssh ?? options.ssh;
    this.#options = {
      connectTimeoutMs: options.connectTimeoutMs,
      keepalive: options.keepalive,
      readOnly: options.readOnly,
      ...(tls === undefined ? {} : { tls }),
      ...(ssh === undefined ? {} : { ssh }),
    };
  }

  /** The node name: the configured one, else the first label of the host name libvirt reported. */
  get nodeName(): string | undefined {
    return this.config.name ?? (this.#facts === undefined ? undefined : nodeNameOf(this.#facts.hostname));
  }

  /** The host's facts, once a connection has been opened. */
  get facts(): HostFacts | undefined {
    return this.#facts;
  }

  /** Whether a connection is open now. */
  get connected(): boolean {
    return this.#client?.isOpen === true;
  }

  /** The open client, opening one when there is none. */
  client(signal?: AbortSignal): Promise<LibvirtClient> {
    const client = this.#client;
    if (client?.isOpen) return Promise.resolve(client);
    if (this.#closed) return Promise.reject(this.#closedError());
    return this.#opening.run('open', (flight) => this.#open(flight), signal);
  }

  /** Calls a remote procedure on this host (opening the connection first when needed). */
  call<P extends RemoteProcedureNumber>(
    procedure: P,
    args: RemoteArgs<P>,
    signal?: AbortSignal,
  ): Promise<RemoteRet<P>> {
    const parameters = [args, signal === undefined ? {} : { signal }] as unknown as CallParameters<P>;
    const client = this.#client;
    if (client?.isOpen) return client.call(procedure, ...parameters);
    return this.client(signal).then((opened) => opened.call(procedure, ...parameters));
  }

  /** Closes the connection for good; later calls fail with UNAVAILABLE. */
  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    this.#client = undefined;
    await client?.close();
  }

  async #open(signal: AbortSignal): Promise<LibvirtClient> {
    const client = await openLibvirt(this.config.uri, { ...this.#options, signal });
    try {
      if (client.features.eventCallbacks) await this.#subscribe(client, signal);
      this.#facts = await readHostFacts(client, signal);
      if (this.#closed || signal.aborted) throw this.#closedError();
    } catch (error) {
      await client.close();
      throw error;
    }
    client.onClose(() => {
      if (this.#client === client) this.#client = undefined;
    });
    this.#client = client;
    return client;
  }

  async #subscribe(client: LibvirtClient, signal: AbortSignal): Promise<void> {
    const emit = (
      kind: DomainEventKind,
      dom: { name: string; uuid: Uint8Array },
      event?: number,
      detail?: number,
    ) =>
      this.#events.emit({
        kind,
        uuid: uuidString(dom.uuid),
        name: dom.name,
        hostIndex: this.index,
        ...(event === undefined ? {} : { event }),
        ...(detail === undefined ? {} : { detail }),
        receivedAt: performance.now(),
      });
    const options = { signal };
    await Promise.all([
      client.onDomainEvent(
        DomainEventId.LIFECYCLE,
        ({ msg }) => emit('lifecycle', msg.dom, msg.event, msg.detail),
        options,
      ),
      client.onDomainEvent(DomainEventId.REBOOT, ({ msg }) => emit('reboot', msg.dom), options),
      client.onDomainEvent(DomainEventId.JOB_COMPLETED, ({ dom }) => emit('job-completed', dom), options),
    ]);
  }

  #closedError(): UnavailableError {
    return new UnavailableError(`${this.display}: the connector is closed`, { retryable: false });
  }
}
