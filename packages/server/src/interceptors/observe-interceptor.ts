import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import type { Logger } from 'pino';
import type { ServerMetrics } from '../observability/metrics.js';

/** Times every call, counts it by method and code, and logs one line per call (never the messages). */
export function observeInterceptor(metrics: ServerMetrics, logger: Logger): Interceptor {
  return (next) => async (req) => {
    const method = `${req.service.typeName}/${req.method.name}`;
    const started = process.hrtime.bigint();
    metrics.inFlight.inc();
    const finish = (error?: unknown) => {
      metrics.inFlight.dec();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const code = error === undefined ? 'OK' : Code[ConnectError.from(error).code];
      metrics.rpcDuration.observe({ method, code: code ?? 'Unknown' }, seconds);
      // The content type tells the protocol: application/grpc, application/grpc-web, application/json, ...
      const line = {
        method,
        code,
        ms: Math.round(seconds * 1000),
        contentType: req.header.get('content-type'),
      };
      if (error === undefined || ConnectError.from(error).code !== Code.Internal) logger.info(line, 'rpc');
      else logger.error({ ...line, err: ConnectError.from(error).cause ?? error }, 'rpc failed');
    };
    let res: Awaited<ReturnType<typeof next>>;
    try {
      res = await next(req);
    } catch (error) {
      finish(error);
      throw error;
    }
    if (!res.stream) {
      finish();
      return res;
    }
    const messages = res.message;
    return {
      ...res,
      message: (async function* () {
        let failure: { error: unknown } | undefined;
        try {
          yield* messages;
        } catch (error) {
          failure = { error };
          throw error;
        } finally {
          // A client that goes away ends the stream without an error: count it as cancelled.
          const cancelled = req.signal.aborted ? new ConnectError('cancelled', Code.Canceled) : undefined;
          finish(failure ? failure.error : cancelled);
        }
      })(),
    };
  };
}
