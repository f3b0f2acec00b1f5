import { type Client, createClient, type Interceptor, type Transport } from '@connectrpc/connect';
import { HVC_SERVICES } from './hvc-services.js';

/** A typed client per service of the `hvc.v1` API. */
export type HvcClient = { readonly [K in keyof typeof HVC_SERVICES]: Client<(typeof HVC_SERVICES)[K]> };

/** Where a bearer token comes from: a fixed string, or a function asked before every call (refreshing tokens). */
export type TokenSource = string | (() => string | Promise<string>);

/**
 * An interceptor that sends `Authorization: Bearer <token>` on every call. The token is never logged or put in an
 * error by this package.
 */
export function bearerToken(token: TokenSource): Interceptor {
  return (next) => async (request) => {
    const value = typeof token === 'string' ? token : await token();
    request.header.set('authorization', `Bearer ${value}`);
    return next(request);
  };
}

/** A typed client for every `hvc.v1` service over one transport (from this package's root or its `/node` entry). */
export function createHvcClient(transport: Transport): HvcClient {
  return {
    targets: createClient(HVC_SERVICES.targets, transport),
    guests: createClient(HVC_SERVICES.guests, transport),
    snapshots: createClient(HVC_SERVICES.snapshots, transport),
    operations: createClient(HVC_SERVICES.operations, transport),
    members: createClient(HVC_SERVICES.members, transport),
    consoles: createClient(HVC_SERVICES.consoles, transport),
  };
}
