import { type CallOptions, InvalidArgumentError, UnavailableError } from '@hvc/hypervisor-connector';
import type { z } from 'zod';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import type { PveParams } from '../transport/form-encoding.js';
import type { PveHttpRequest } from '../transport/pve-http.js';

/** Options of {@link RawCall}: a deadline is a signal (`AbortSignal.timeout(ms)`), as for any request. */
export interface RawCallOptions<S extends z.ZodType | undefined = undefined>
  extends Omit<CallOptions, 'timeoutMs'> {
  /** Parse `data` with this schema. */
  readonly schema?: S;
  /** Send the call to this node's endpoint first. */
  readonly node?: string;
}

/**
 * Calls any PVE API endpoint: the escape hatch for what the contract does not cover. `path` is relative to
 * `/api2/json` (e.g. `/nodes/pve1/storage`); GET reads are retried like the connector's own, writes are sent once.
 * Returns `data`, parsed with `options.schema` when given.
 */
export type RawCall = <S extends z.ZodType | undefined = undefined>(
  method: PveHttpRequest['method'],
  path: string,
  params?: PveParams,
  options?: RawCallOptions<S>,
) => Promise<S extends z.ZodType ? z.output<S> : unknown>;

const METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'DELETE'];
const API_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;

/** The connector's `raw()`, refused once `isClosed()`. */
export function rawCall(pve: ProxmoxContext, isClosed: () => boolean): RawCall {
  return async function raw<S extends z.ZodType | undefined = undefined>(
    method: PveHttpRequest['method'],
    path: string,
    params?: PveParams,
    options: RawCallOptions<S> = {},
  ): Promise<S extends z.ZodType ? z.output<S> : unknown> {
    if (isClosed())
      throw new UnavailableError('the connector is closed', { ...pve.origin, retryable: false });
    if (!METHODS.includes(method)) {
      throw new InvalidArgumentError('invalid method: PVE knows GET, POST, PUT and DELETE', {
        violations: [{ field: 'method', message: 'not GET, POST, PUT or DELETE' }],
      });
    }
    if (!API_PATH.test(path) || path.split('/').includes('..')) {
      throw new InvalidArgumentError('invalid path: an API path such as /nodes/pve1/storage', {
        violations: [{ field: 'path', message: 'not an API path' }],
      });
    }
    return (await pve.client.call(method, path, params, options.schema as z.ZodType | undefined, {
      ...(options.node === undefined ? {} : { node: options.node }),
      signal: options.signal,
    })) as S extends z.ZodType ? z.output<S> : unknown;
  };
}
