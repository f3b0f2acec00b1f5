/** RFB (RFC 6143) constants shared by the client handshake and the small server. */

/** Security type: no authentication. */
export const RFB_SECURITY_NONE = 1;
/** Security type: VNC authentication (DES challenge and response). */
export const RFB_SECURITY_VNC_AUTH = 2;
/** The longest reason string accepted from a peer; RFB puts no bound on it. */
export const RFB_MAX_REASON_LENGTH = 4096;

/** An RFB protocol version this code speaks. 3.8 is RFC 6143; 3.3 and 3.7 differ only in the security phase. */
export type RfbVersion = '3.3' | '3.7' | '3.8';

/** The 12-byte ProtocolVersion message for `version`, e.g. `RFB 003.008\n`. */
export function rfbVersionMessage(version: RfbVersion): Buffer {
  const [major, minor] = version.split('.');
  return Buffer.from(`RFB ${major?.padStart(3, '0')}.${minor?.padStart(3, '0')}\n`, 'latin1');
}

/**
 * Parses a peer's ProtocolVersion message and picks the version to speak: 3.8 for 3.8 and later (RFC 6143 says a
 * client must accept higher minors), 3.7, else 3.3 (3.5 and other odd minors behave as 3.3, as the RFC says).
 * `undefined` when the 12 bytes are not an RFB version.
 */
export function parseRfbVersion(message: Uint8Array): RfbVersion | undefined {
  const match = /^RFB (\d{3})\.(\d{3})\n$/.exec(Buffer.from(message).toString('latin1'));
  if (!match) return undefined;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major > 3 || (major === 3 && minor >= 8)) return '3.8';
  if (major === 3 && minor === 7) return '3.7';
  if (major === 3) return '3.3';
  return undefined;
}
