import { ConnectError, type Interceptor } from '@connectrpc/connect';
import { codeToString } from '@connectrpc/connect/protocol-connect';

/**
 * `--debug`: one line per call as it leaves (`→ hvc.v1.TargetService/ListTargets`) and as it ends (`← … ok 12 ms`
 * or the error's code). Only the method, the outcome and the time: never a header, so never the token.
 */
export function debugInterceptor(log: (line: string) => void): Interceptor {
  return (next) => async (request) => {
    const method = `${request.service.typeName}/${request.method.name}`;
    const started = performance.now();
    const took = () => `${Math.round(performance.now() - started)} ms`;
    log(`→ ${method}`);
    try {
      const response = await next(request);
      log(`← ${method} ${response.stream ? 'streaming' : 'ok'} ${took()}`);
      return response;
    } catch (error) {
      log(`← ${method} ${codeToString(ConnectError.from(error).code)} ${took()}`);
      throw error;
    }
  };
}
