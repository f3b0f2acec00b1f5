import type { Duplex } from 'node:stream';
import {
  ConflictError,
  type ConsoleRequest,
  type ConsoleTicket,
  isHypervisorError,
  NotFoundError,
} from '@hvc/hypervisor-connector';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import { parseDomainXml } from '../domains/domain-definition.js';
import { DomainState } from '../domains/domain-state.js';
import type { LocatedDomain } from '../domains/guest-locator.js';
import { buildXml, child, children, parseXml, type XmlElement } from '../domains/xml-codec.js';
import { RemoteProcedure as P } from '../protocol/generated/remote-protocol.gen.js';
import { LibvirtErrorCode } from '../rpc/libvirt-error-codes.js';
import { parseLibvirtUri } from '../transport/libvirt-uri.js';
import type { TerminalTickets } from './terminal-tickets.js';
import { vncPassword } from './vnc-password.js';

const AFFECT_LIVE = 1;
/** `VIR_DOMAIN_CONSOLE_FORCE`: take the console over from another session. */
const CONSOLE_FORCE = 1;

function notRunning(uuid: string): ConflictError {
  return new ConflictError(`guest ${uuid} does not run: its console opens while it runs`, {
    retryable: false,
    details: { guestId: uuid, reason: 'wrong-state' },
  });
}

/** The address a client reaches a listening graphics server at: its listen address, else the host's own. */
function reachableAddress(listen: string | undefined, hostUri: string): string {
  if (listen !== undefined && listen !== '0.0.0.0' && listen !== '::') return listen;
  return parseLibvirtUri(hostUri).host ?? 'localhost';
}

/** libvirt's format of `passwdValidTo`: UTC, seconds, no zone. */
const validTo = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 19);

/**
 * A VNC ticket: the live XML's port (and websocket port), and a one-time password set on the running VNC server
 * (`DOMAIN_UPDATE_DEVICE_FLAGS` with `passwd` and `passwdValidTo`, expiring after `console.ticketTtlMs`); the
 * ticket is that password. QEMU only takes one when its VNC server was started with a password (guests this
 * connector makes always are): for one started without, `console.vncWithoutPassword` decides — `refuse` (CONFLICT)
 * or `allow` (the endpoint, open to whoever reaches it; the ticket is then only a random token).
 */
async function openVnc(
  context: LibvirtContext,
  located: LocatedDomain,
  uuid: string,
  node: string,
  signal?: AbortSignal,
) {
  const { host, dom } = located;
  const [{ xml }, { state }] = await Promise.all([
    host.call(P.REMOTE_PROC_DOMAIN_GET_XML_DESC, { dom, flags: 0 }, signal),
    host.call(P.REMOTE_PROC_DOMAIN_GET_STATE, { dom, flags: 0 }, signal),
  ]);
  if (state === DomainState.SHUTOFF) throw notRunning(uuid);
  // The element to send back changed, and its port as the definition reads it.
  const element = children(child(child(parseXml(xml), 'domain'), 'devices'), 'graphics').find(
    (graphics) => graphics['@_type'] === 'vnc',
  );
  const graphics = parseDomainXml(xml).graphics.find((g) => g.type === 'vnc');
  if (element === undefined || graphics?.port === undefined) {
    throw new ConflictError(`guest ${uuid} has no VNC display`, {
      retryable: false,
      details: { guestId: uuid, reason: 'no-vnc' },
    });
  }
  const password = vncPassword();
  const expiresAt = Date.now() + context.config.console.ticketTtlMs;
  let passwordSet = true;
  try {
    const update: XmlElement = { ...element, '@_passwd': password, '@_passwdValidTo': validTo(expiresAt) };
    await host.call(
      P.REMOTE_PROC_DOMAIN_UPDATE_DEVICE_FLAGS,
      { dom, xml: buildXml({ graphics: update }), flags: AFFECT_LIVE },
      signal,
    );
  } catch (error) {
    const noPassword =
      isHypervisorError(error) &&
      error.details?.libvirtCode === LibvirtErrorCode.INTERNAL_ERROR &&
      /set_password|set password/i.test(error.message);
    if (!noPassword) throw error;
    if (context.config.console.vncWithoutPassword === 'refuse') {
      throw new ConflictError(
        `guest ${uuid}: its VNC server was started without a password, so QEMU cannot take a one-time one; give ` +
          "its <graphics> a passwd (or set vnc_password in the host's qemu.conf) and restart it, or set the " +
          "target's console.vncWithoutPassword to 'allow'",
        { retryable: false, cause: error, details: { guestId: uuid, reason: 'vnc-without-password' } },
      );
    }
    passwordSet = false;
  }
  const address = reachableAddress(graphics.listen, host.config.uri);
  const ticket: ConsoleTicket = {
    protocol: 'vnc',
    guestId: uuid,
    node,
    ticket: passwordSet ? password : vncPassword(),
    ...(passwordSet ? { password } : {}),
    port: graphics.port,
    ...(graphics.websocket === undefined ? {} : { websocketUrl: `ws://${address}:${graphics.websocket}` }),
    expiresAt: new Date(expiresAt).toISOString(),
    raw: {
      host: address,
      port: graphics.port,
      ...(graphics.websocket === undefined ? {} : { websocketPort: graphics.websocket }),
      authentication: passwordSet ? 'vnc-password' : 'none',
    },
  };
  return ticket;
}

/**
 * `openConsole`. `vnc`: see {@link openVnc}. `terminal`: the guest's serial console (`DOMAIN_OPEN_CONSOLE`) is a
 * libvirt stream, which plain data cannot carry: the ticket is a one-time token (valid for `console.ticketTtlMs`,
 * in this process) that `connector.attachTerminal(ticket)` turns into the stream. Both need a running guest
 * (CONFLICT otherwise).
 */
export function openConsole(
  context: LibvirtContext,
  tickets: TerminalTickets,
  uuid: string,
  request: ConsoleRequest,
  signal?: AbortSignal,
): Promise<ConsoleTicket> {
  return context.locator.withDomain(uuid, signal, async (located) => {
    const node = context.target.nodeName(located.host);
    if (request.protocol === 'vnc') return openVnc(context, located, uuid, node, signal);
    const { host, dom } = located;
    const [{ xml }, { state }] = await Promise.all([
      host.call(P.REMOTE_PROC_DOMAIN_GET_XML_DESC, { dom, flags: 0 }, signal),
      host.call(P.REMOTE_PROC_DOMAIN_GET_STATE, { dom, flags: 0 }, signal),
    ]);
    if (state === DomainState.SHUTOFF) throw notRunning(uuid);
    if (!parseDomainXml(xml).hasConsole) {
      throw new ConflictError(`guest ${uuid} has no serial console`, {
        retryable: false,
        details: { guestId: uuid, reason: 'no-console' },
      });
    }
    const { ticket, expiresAt } = tickets.issue(uuid, context.config.console.ticketTtlMs);
    return {
      protocol: 'terminal',
      guestId: uuid,
      node,
      ticket,
      expiresAt: new Date(expiresAt).toISOString(),
      raw: { device: 'serial0', transport: 'libvirt-stream', attach: 'connector.attachTerminal(ticket)' },
    };
  });
}

/** Options of `attachTerminal`. */
export interface AttachTerminalOptions {
  readonly signal?: AbortSignal;
  /** Take the console over from a session that holds it (`VIR_DOMAIN_CONSOLE_FORCE`); CONFLICT otherwise. */
  readonly force?: boolean;
}

/**
 * Redeems a terminal ticket: the guest's serial console as a Node `Duplex` (bytes both ways, backpressure, ends when
 * the guest stops). NOT_FOUND for a ticket this connector did not issue, or one used or expired.
 */
export async function attachTerminal(
  context: LibvirtContext,
  tickets: TerminalTickets,
  ticket: string,
  options: AttachTerminalOptions = {},
): Promise<Duplex> {
  const uuid = tickets.redeem(ticket);
  if (uuid === undefined) throw new NotFoundError('terminal ticket not found: unknown, used or expired');
  return context.locator.withDomain(uuid, options.signal, async ({ host, dom }) => {
    const client = await host.client(options.signal);
    const opened = await client.openStream(
      P.REMOTE_PROC_DOMAIN_OPEN_CONSOLE,
      { dom, dev_name: null, flags: options.force ? CONSOLE_FORCE : 0 },
      options.signal === undefined ? {} : { signal: options.signal },
    );
    return opened.stream;
  });
}
