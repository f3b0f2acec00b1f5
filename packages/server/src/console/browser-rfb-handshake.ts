import { parseRfbVersion, RFB_SECURITY_NONE, rfbVersionMessage } from '@hvc/hypervisor-connector-kit/console';
import type { WebSocket } from 'ws';
import { WebSocketByteQueue } from './websocket-byte-queue.js';

/**
 * The proxy's server side of RFB towards the browser, up to the security phase: it offers version 3.8 and, the
 * single-use ticket having authenticated the browser already, one security type, None. 3.8 and 3.7 clients choose
 * it (3.8 then gets SecurityResult OK); a 3.3 client is told it as a u32. Resolves with the bytes the browser sent
 * past its choice (the start of its ClientInit, if any), which belong upstream. The hypervisor's own
 * authentication happened on the upstream side; the browser never sees its credential.
 */
export async function browserRfbHandshake(socket: WebSocket): Promise<Buffer> {
  const queue = new WebSocketByteQueue(socket);
  try {
    socket.send(rfbVersionMessage('3.8'));
    const version = parseRfbVersion(await queue.read(12));
    if (version === undefined) throw new Error('the browser did not answer with an RFB version');
    if (version === '3.3') {
      socket.send(Buffer.of(0, 0, 0, RFB_SECURITY_NONE));
    } else {
      socket.send(Buffer.of(1, RFB_SECURITY_NONE));
      const [chosen] = await queue.read(1);
      if (chosen !== RFB_SECURITY_NONE) throw new Error(`the browser chose security type ${chosen}`);
      if (version === '3.8') socket.send(Buffer.of(0, 0, 0, 0));
    }
    return queue.detach();
  } catch (error) {
    queue.detach();
    throw error;
  }
}
