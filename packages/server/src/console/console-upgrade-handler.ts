import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ConsoleStream } from '@hvc/hypervisor-connector';
import { type Clock, systemClock } from '@hvc/hypervisor-connector-kit';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { Authorizer } from '../authz/authorizer.js';
import { enforce } from '../authz/enforce.js';
import type { ConnectorResolver } from '../connectors/connector-resolver.js';
import type { AuditActor } from '../domain/records.js';
import type { StreamQuota } from '../domain/stream-quota.js';
import type { HvcStore } from '../storage/hvc-store.js';
import { browserRfbHandshake } from './browser-rfb-handshake.js';
import { bridgeConsole } from './console-bridge.js';
import { CONSOLE_PATH_PREFIX, CONSOLE_SUBPROTOCOL, type ConsoleProxyOptions } from './console-options.js';

/**
 * Handles an HTTP `upgrade` request (`server.on('upgrade', handler)`); false when the path is not a console's,
 * so the caller can answer it otherwise.
 */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;

/** What the console proxy is built from (the API services' parts). */
export interface ConsoleProxyDeps {
  readonly resolver: ConnectorResolver;
  readonly authorizer: Authorizer;
  readonly store: HvcStore;
  /** This replica's open consoles, by organisation (shared with OpenConsole, which refuses when full). */
  readonly sessions: StreamQuota;
}

/** Largest WebSocket message accepted from a browser. */
const MAX_PAYLOAD_BYTES = 1024 * 1024;
/** How long opening the hypervisor's console may take. */
const OPEN_TIMEOUT_MS = 20_000;

/** Answers an upgrade request with a status and no body, and closes the connection. */
function refuse(socket: Duplex, status: 403 | 404 | 502 | 503): void {
  const text = { 403: 'Forbidden', 404: 'Not Found', 502: 'Bad Gateway', 503: 'Service Unavailable' }[status];
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** The organisation, target and guest of a console path, or undefined when it is not one. */
function parseConsolePath(
  url: string,
):
  | { scope: { organizationId: string; targetId: string; guestId: string }; ticket: string | undefined }
  | undefined {
  const parsed = new URL(url, 'http://console.invalid');
  if (!parsed.pathname.startsWith(CONSOLE_PATH_PREFIX)) return undefined;
  const parts = parsed.pathname.slice(CONSOLE_PATH_PREFIX.length).split('/');
  if (parts.length !== 3 || parts.some((p) => p === '')) return undefined;
  try {
    const [organizationId, targetId, guestId] = parts.map(decodeURIComponent) as [string, string, string];
    return {
      scope: { organizationId, targetId, guestId },
      ticket: parsed.searchParams.get('ticket') ?? undefined,
    };
  } catch {
    return undefined;
  }
}

/** `kind:id` back to the actor it names. */
function actorFrom(actor: string): AuditActor | undefined {
  const colon = actor.indexOf(':');
  const type = actor.slice(0, colon);
  if (colon < 0 || (type !== 'user' && type !== 'service')) return undefined;
  return { type, id: actor.slice(colon + 1) };
}

/**
 * The console proxy's WebSocket endpoint. A request for `/v1/console/<org>/<target>/<guest>?ticket=…` consumes
 * the ticket in one statement bound to that organisation, target and guest; without a row it gets 403 before any
 * upgrade — the same answer for unknown, used, expired and another organisation's tickets (and another
 * organisation's path leaves the owner's ticket usable). Then the ticket's minter must still be an operator of the
 * target, and the organisation and this replica must have a console session free: when either is full the ticket
 * is released again (usable until it expires: the browser may retry once a console closed) and the upgrade gets
 * 503 — after the ticket check, so only its holder learns that its organisation is full. Then the hypervisor
 * console is opened (`openConsoleStream`, 502 when it cannot be), the WebSocket accepted (subprotocol `binary`
 * when offered), RFB is spoken to the browser up to the security phase, and both sides are bridged until either
 * ends, the console is idle too long or open too long. Tickets never reach a log; connects and disconnects are
 * audited.
 */
export function createConsoleUpgradeHandler(
  deps: ConsoleProxyDeps,
  options: ConsoleProxyOptions & { readonly logger: Logger },
): UpgradeHandler {
  const clock: Clock = options.clock ?? systemClock;
  const replica = options.replicaId ?? randomUUID();
  const limits = {
    clock,
    idleTimeoutMs: options.idleTimeoutMs ?? 15 * 60_000,
    maxSessionMs: options.maxSessionMs ?? 8 * 3_600_000,
  };
  const logger = options.logger;
  const origins = options.allowedOrigins === undefined ? undefined : new Set(options.allowedOrigins);
  const server = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_PAYLOAD_BYTES,
    handleProtocols: (protocols) => (protocols.has(CONSOLE_SUBPROTOCOL) ? CONSOLE_SUBPROTOCOL : false),
  });

  const audit = (
    actor: AuditActor,
    scope: { organizationId: string; targetId: string; guestId: string },
    action: string,
    outcome: 'ok' | 'error',
  ) =>
    deps.store.audit
      .record({ time: new Date().toISOString(), actor, action, outcome, ...scope })
      .catch((error: unknown) => logger.error({ err: error }, 'audit write failed'));

  async function accept(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    scope: { organizationId: string; targetId: string; guestId: string },
    ticket: string,
  ): Promise<void> {
    const consumed = await deps.store.consoleTickets.consume(ticket, scope, new Date(clock.now()), replica);
    const actor = consumed && actorFrom(consumed.actor);
    if (!consumed || !actor) {
      logger.debug('console ticket refused: unknown, used, expired or for another path');
      return refuse(socket, 403);
    }
    try {
      await enforce(deps.authorizer, actor, 'operate', {
        type: 'target',
        organizationId: scope.organizationId,
        id: scope.targetId,
      });
    } catch {
      logger.debug('console ticket refused: its minter may no longer operate the target');
      return refuse(socket, 403);
    }
    const release = deps.sessions.acquire(scope.organizationId);
    if (release === undefined) {
      await deps.store.consoleTickets.release(ticket, scope, replica);
      logger.info({ organizationId: scope.organizationId }, 'console refused: no console session free');
      return refuse(socket, 503);
    }
    // Held until the connection closes, whichever way: a refused handshake never calls back. Releasing twice is
    // harmless, so the bridge also releases as soon as the console ends.
    socket.once('close', release);
    await bridge(req, socket, head, scope, actor, release);
  }

  /** Opens the hypervisor console and bridges it to the WebSocket; `done` when the console has ended. */
  async function bridge(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    scope: { organizationId: string; targetId: string; guestId: string },
    actor: AuditActor,
    done: () => void,
  ): Promise<void> {
    let stream: ConsoleStream;
    try {
      const target = await deps.store.targets.get(scope.organizationId, scope.targetId);
      if (!target) {
        done();
        return refuse(socket, 403);
      }
      const connector = await deps.resolver.resolve(target.key, {});
      stream = await connector.openConsoleStream(
        scope.guestId,
        { protocol: 'vnc' },
        { signal: AbortSignal.timeout(OPEN_TIMEOUT_MS) },
      );
    } catch (error) {
      logger.info({ err: error, ...scope }, 'the hypervisor console could not be opened');
      void audit(actor, scope, 'console.connect', 'error');
      done();
      return refuse(socket, 502);
    }
    if (socket.destroyed) {
      done();
      await stream.close();
      return;
    }
    // A handshake `ws` refuses (a bad key or version) never calls back: the hypervisor console closes with the socket.
    let upgraded = false;
    socket.once('close', () => {
      if (!upgraded) void stream.close();
    });
    server.handleUpgrade(req, socket, head, (ws) => {
      upgraded = true;
      void audit(actor, scope, 'console.connect', 'ok');
      const started = Date.now();
      browserRfbHandshake(ws)
        .then((first) => bridgeConsole(ws, stream, first, limits))
        .then(
          (end) => {
            done();
            logger.info({ ...scope, ...end, durationMs: Date.now() - started }, 'console closed');
            void audit(actor, scope, 'console.disconnect', 'ok');
          },
          (error: unknown) => {
            done();
            logger.info({ err: error, ...scope }, 'console handshake with the browser failed');
            ws.terminate();
            void stream.close();
            void audit(actor, scope, 'console.disconnect', 'error');
          },
        );
    });
  }

  return (req, socket, head) => {
    const parsed = parseConsolePath(req.url ?? '/');
    if (parsed === undefined) return false;
    socket.on('error', () => {});
    const origin = req.headers.origin;
    if (origins !== undefined && (origin === undefined || !origins.has(origin))) {
      logger.debug('console upgrade refused: its origin is not allowed');
      refuse(socket, 403);
      return true;
    }
    if (parsed.ticket === undefined || parsed.ticket === '') {
      refuse(socket, 403);
      return true;
    }
    accept(req, socket, head, parsed.scope, parsed.ticket).catch((error: unknown) => {
      logger.error({ err: error }, 'console upgrade failed');
      if (!socket.destroyed) refuse(socket, 502);
    });
    return true;
  };
}
