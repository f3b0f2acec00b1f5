/**
 * RFB consoles for connectors: the client handshake (VNC authentication with DES in plain TypeScript), a
 * `ConsoleStream` over a Node duplex, and a small RFB server for consoles without a hypervisor.
 *
 * @packageDocumentation
 */
export { desEncryptEcb } from './des-block-cipher.js';
export { duplexConsoleStream } from './duplex-console-stream.js';
export { type OpenRfbConsoleStreamOptions, openRfbConsoleStream } from './open-rfb-console-stream.js';
export {
  type RfbClientHandshakeOptions,
  type RfbClientHandshakeResult,
  rfbClientHandshake,
} from './rfb-client-handshake.js';
export {
  parseRfbVersion,
  RFB_MAX_REASON_LENGTH,
  RFB_SECURITY_NONE,
  RFB_SECURITY_VNC_AUTH,
  type RfbVersion,
  rfbVersionMessage,
} from './rfb-protocol.js';
export { type SmallRfbServerOptions, serveSmallRfb } from './small-rfb-server.js';
export { StreamByteReader } from './stream-byte-reader.js';
export { VNC_CHALLENGE_LENGTH, vncAuthenticationResponse } from './vnc-authentication.js';
