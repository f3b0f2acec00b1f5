import { desEncryptEcb } from './des-block-cipher.js';

/** The length of RFB's VNC-authentication challenge and of the response. */
export const VNC_CHALLENGE_LENGTH = 16;

/**
 * RFB's VNC authentication (security type 2): the 16-byte challenge encrypted with DES-ECB under the password's
 * first 8 bytes (zero-padded), each byte's bits reversed — the quirk every VNC implementation inherited.
 */
export function vncAuthenticationResponse(password: string, challenge: Uint8Array): Uint8Array {
  if (challenge.length !== VNC_CHALLENGE_LENGTH) {
    throw new RangeError(`a VNC challenge is ${VNC_CHALLENGE_LENGTH} bytes, got ${challenge.length}`);
  }
  const key = new Uint8Array(8);
  new TextEncoder()
    .encode(password)
    .subarray(0, 8)
    .forEach((byte, i) => {
      key[i] = reverseBits(byte);
    });
  return desEncryptEcb(key, challenge);
}

function reverseBits(byte: number): number {
  let reversed = 0;
  for (let i = 0; i < 8; i++) reversed |= ((byte >> i) & 1) << (7 - i);
  return reversed;
}
