import { type Code, ConnectError } from '@connectrpc/connect';

/** How a call ended: `ok`, or the code of the error it threw. */
export async function codeOf(call: Promise<unknown>): Promise<Code | 'ok'> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    return ConnectError.from(error).code;
  }
}
