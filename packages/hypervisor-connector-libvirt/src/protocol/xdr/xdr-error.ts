/**
 * A violation of XDR encoding rules or of a bound declared in the protocol's `.x` files: a length over its
 * limit, a truncated buffer, an unknown enum or union discriminant, a value out of range. Decoding never
 * allocates for a length it has not checked first.
 */
export class XdrError extends Error {
  /** Whether it arose while decoding received bytes (`decode`) or encoding a value to send (`encode`). */
  readonly direction: 'decode' | 'encode';

  constructor(direction: 'decode' | 'encode', message: string) {
    super(message);
    this.name = 'XdrError';
    this.direction = direction;
  }
}
