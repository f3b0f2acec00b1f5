import type { Duplex } from 'node:stream';
import { UnauthenticatedError, UnavailableError, UnsupportedOperationError } from '@hvc/hypervisor-connector';
import {
  parseRfbVersion,
  RFB_MAX_REASON_LENGTH,
  RFB_SECURITY_NONE,
  RFB_SECURITY_VNC_AUTH,
  type RfbVersion,
  rfbVersionMessage,
} from './rfb-protocol.js';
import { StreamByteReader } from './stream-byte-reader.js';
import { VNC_CHALLENGE_LENGTH, vncAuthenticationResponse } from './vnc-authentication.js';

/** How an RFB client handshake authenticates. */
export interface RfbClientHandshakeOptions {
  /** The VNC password; without it only security type None is accepted. */
  readonly password?: string;
  /** The target id, for errors. */
  readonly target?: string;
}

/** What the client handshake agreed with the server. */
export interface RfbClientHandshakeResult {
  readonly version: RfbVersion;
  /** The security type used: 1 (None) or 2 (VNC authentication). */
  readonly securityType: number;
}

/**
 * Runs the client side of RFB up to and including the server's SecurityResult: version exchange, the security
 * type (VNC authentication when a password is given and offered, else None) and its exchange. On success the
 * stream's next bytes are the server's ServerInit, and the server awaits the ClientInit; nothing past
 * SecurityResult has been consumed. Failures are typed: a refused password is UNAUTHENTICATED, a server offering
 * no type this client can use is UNSUPPORTED, anything malformed or cut short is UNAVAILABLE. The password never
 * appears in an error.
 */
export async function rfbClientHandshake(
  stream: Duplex,
  options: RfbClientHandshakeOptions = {},
): Promise<RfbClientHandshakeResult> {
  const errorOptions = options.target === undefined ? {} : { target: options.target };
  const reader = new StreamByteReader(stream);
  const unavailable = (message: string, cause?: unknown) =>
    new UnavailableError(`VNC handshake: ${message}`, { ...errorOptions, ...(cause ? { cause } : {}) });
  try {
    const version = parseRfbVersion(await reader.read(12));
    if (version === undefined) throw unavailable('the server did not send an RFB protocol version');
    stream.write(rfbVersionMessage(version));

    const offered = await readSecurityTypes(reader, version, unavailable);
    const securityType = chooseSecurityType(offered, options.password, errorOptions);
    if (version !== '3.3') stream.write(Buffer.of(securityType));

    if (securityType === RFB_SECURITY_VNC_AUTH) {
      const challenge = await reader.read(VNC_CHALLENGE_LENGTH);
      stream.write(vncAuthenticationResponse(options.password ?? '', challenge));
    }
    // 3.8 always sends SecurityResult; 3.3 and 3.7 only after an authentication that can fail.
    if (version === '3.8' || securityType !== RFB_SECURITY_NONE) {
      const result = await reader.readUint32();
      if (result !== 0) {
        const reason = version === '3.8' ? await reader.readString(RFB_MAX_REASON_LENGTH) : '';
        throw new UnauthenticatedError(
          `VNC handshake: the server refused the authentication${reason ? `: ${reason}` : ''}`,
          errorOptions,
        );
      }
    }
    return { version, securityType };
  } catch (error) {
    if (error instanceof UnauthenticatedError || error instanceof UnsupportedOperationError) throw error;
    if (error instanceof UnavailableError) throw error;
    throw unavailable(error instanceof Error ? error.message : 'the connection failed', error);
  }
}

async function readSecurityTypes(
  reader: StreamByteReader,
  version: RfbVersion,
  unavailable: (message: string) => Error,
): Promise<number[]> {
  if (version === '3.3') {
    // The server decides alone and sends a u32; 0 means failure with a reason.
    const type = await reader.readUint32();
    if (type === 0)
      throw unavailable(
        `the server refused the connection: ${await reader.readString(RFB_MAX_REASON_LENGTH)}`,
      );
    return [type];
  }
  const [count = 0] = await reader.read(1);
  if (count === 0)
    throw unavailable(`the server refused the connection: ${await reader.readString(RFB_MAX_REASON_LENGTH)}`);
  return [...(await reader.read(count))];
}

function chooseSecurityType(
  offered: readonly number[],
  password: string | undefined,
  errorOptions: { target?: string },
): number {
  if (password !== undefined && offered.includes(RFB_SECURITY_VNC_AUTH)) return RFB_SECURITY_VNC_AUTH;
  if (offered.includes(RFB_SECURITY_NONE)) return RFB_SECURITY_NONE;
  if (offered.includes(RFB_SECURITY_VNC_AUTH)) {
    throw new UnauthenticatedError(
      'VNC handshake: the server asks for a VNC password and none is known',
      errorOptions,
    );
  }
  throw new UnsupportedOperationError(
    'consoleStream.vnc',
    `VNC handshake: the server offers only security types ${offered.join(', ')}; supported are None (1) and VNC authentication (2)`,
    errorOptions,
  );
}
