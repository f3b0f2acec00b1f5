/**
 * The daemon (or whatever answers on the socket) broke the wire protocol: a frame length outside
 * 28..VIR_NET_MESSAGE_MAX, a header that does not decode, a payload that does not match its type. The
 * connection is closed with this as the reason; calls waiting on it fail with UNAVAILABLE carrying it as `cause`.
 */
export class LibvirtProtocolError extends Error {
  readonly code = 'HVC_LIBVIRT_PROTOCOL';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LibvirtProtocolError';
  }
}
