import type { Interceptor } from '@connectrpc/connect';
import { toConnectError } from '../wire/error-mapping.js';

async function* mapStreamErrors<T>(messages: AsyncIterable<T>): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (error) {
    throw toConnectError(error);
  }
}

/** Turns every error a handler throws (also mid-stream) into the gRPC code of its contract code. */
export const errorInterceptor: Interceptor = (next) => async (req) => {
  try {
    const res = await next(req);
    return res.stream ? { ...res, message: mapStreamErrors(res.message) } : res;
  } catch (error) {
    throw toConnectError(error);
  }
};
