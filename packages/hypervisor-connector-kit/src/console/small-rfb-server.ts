import type { Duplex } from 'node:stream';
import {
  parseRfbVersion,
  RFB_SECURITY_NONE,
  RFB_SECURITY_VNC_AUTH,
  rfbVersionMessage,
} from './rfb-protocol.js';
import { StreamByteReader } from './stream-byte-reader.js';
import { VNC_CHALLENGE_LENGTH, vncAuthenticationResponse } from './vnc-authentication.js';

/** What the small RFB server shows. */
export interface SmallRfbServerOptions {
  /** Framebuffer size; default 1x1. */
  readonly width?: number;
  readonly height?: number;
  /** The desktop name sent in ServerInit; default `hvc`. */
  readonly name?: string;
  /** Offer VNC authentication with this password instead of None. */
  readonly password?: string;
}

// Client-to-server message types (RFC 6143 §7.5) and the bytes that follow the type byte, when fixed.
const SET_PIXEL_FORMAT = 0;
const SET_ENCODINGS = 2;
const FRAMEBUFFER_UPDATE_REQUEST = 3;
const KEY_EVENT = 4;
const POINTER_EVENT = 5;
const CLIENT_CUT_TEXT = 6;
const MAX_CUT_TEXT = 1 << 20;

/**
 * A small RFB 3.8 server on a connected duplex (3.3 and 3.7 clients are served too): security None, or VNC
 * authentication when a password is given, ServerInit with a 32-bit true-colour pixel format, and a
 * FramebufferUpdate of one black Raw rectangle covering the framebuffer for every update request. Input events
 * and cut text are read and dropped. For consoles without a hypervisor (the memory connector, tests).
 * Resolves when the client goes away; a protocol violation destroys the duplex.
 */
export async function serveSmallRfb(duplex: Duplex, options: SmallRfbServerOptions = {}): Promise<void> {
  const width = options.width ?? 1;
  const height = options.height ?? 1;
  const reader = new StreamByteReader(duplex);
  let bytesPerPixel = 4;
  try {
    duplex.write(rfbVersionMessage('3.8'));
    const version = parseRfbVersion(await reader.read(12));
    if (version === undefined) throw new Error('not an RFB client');
    const type = options.password === undefined ? RFB_SECURITY_NONE : RFB_SECURITY_VNC_AUTH;
    if (version === '3.3') duplex.write(u32(type));
    else {
      duplex.write(Buffer.of(1, type));
      const [chosen] = await reader.read(1);
      if (chosen !== type) return refuse(duplex, version === '3.8', 'security type not offered');
    }
    if (options.password !== undefined) {
      const challenge = globalThis.crypto.getRandomValues(new Uint8Array(VNC_CHALLENGE_LENGTH));
      duplex.write(challenge);
      const response = await reader.read(VNC_CHALLENGE_LENGTH);
      const expected = vncAuthenticationResponse(options.password, challenge);
      if (!sameBytes(response, expected)) return refuse(duplex, version === '3.8', 'authentication failed');
    }
    if (version === '3.8' || options.password !== undefined) duplex.write(u32(0));

    await reader.read(1); // ClientInit: the shared flag, ignored.
    const name = Buffer.from(options.name ?? 'hvc', 'utf8');
    const init = Buffer.alloc(24);
    init.writeUInt16BE(width, 0);
    init.writeUInt16BE(height, 2);
    // bits-per-pixel 32, depth 24, little-endian, true colour, max 255/255/255, shifts 16/8/0.
    Buffer.of(32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0).copy(init, 4);
    init.writeUInt32BE(name.length, 20);
    duplex.write(Buffer.concat([init, name]));

    for (;;) {
      const [message] = await reader.read(1);
      if (message === SET_PIXEL_FORMAT) {
        const format = await reader.read(19);
        bytesPerPixel = Math.max(1, (format[3] ?? 32) / 8);
      } else if (message === SET_ENCODINGS) {
        const header = await reader.read(3);
        const count = header.readUInt16BE(1);
        if (count > 0) await reader.read(count * 4);
      } else if (message === FRAMEBUFFER_UPDATE_REQUEST) {
        await reader.read(9);
        duplex.write(framebufferUpdate(width, height, bytesPerPixel));
      } else if (message === KEY_EVENT) {
        await reader.read(7);
      } else if (message === POINTER_EVENT) {
        await reader.read(5);
      } else if (message === CLIENT_CUT_TEXT) {
        const length = (await reader.read(7)).readUInt32BE(3);
        if (length > MAX_CUT_TEXT) throw new Error('cut text too long');
        if (length > 0) await reader.read(length);
      } else {
        throw new Error(`unknown client message ${message}`);
      }
    }
  } catch {
    // The client went away, or broke the protocol: either way the session is over.
  } finally {
    // A refusal ends the duplex gracefully so its reason is delivered; anything else is torn down.
    if (!duplex.writableEnded) duplex.destroy();
  }
}

/** Compares in constant time for equal lengths (the response is always 16 bytes). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < Math.min(a.length, b.length); i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value, 0);
  return buffer;
}

function refuse(duplex: Duplex, withReason: boolean, reason: string): void {
  const text = Buffer.from(reason, 'utf8');
  duplex.end(withReason ? Buffer.concat([u32(1), u32(text.length), text]) : u32(1));
}

function framebufferUpdate(width: number, height: number, bytesPerPixel: number): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt8(0, 0); // FramebufferUpdate
  header.writeUInt16BE(1, 2); // one rectangle
  header.writeUInt16BE(width, 8);
  header.writeUInt16BE(height, 10);
  header.writeInt32BE(0, 12); // Raw encoding
  return Buffer.concat([header, Buffer.alloc(width * height * bytesPerPixel)]);
}
