import type { AuthIdentity } from '../auth/permissions.js';
import type { FakeEnv } from '../fake-env.js';
import type { ParamSpecs, Params } from '../params/param-spec.js';

/** The HTTP methods the PVE API has. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What a handler gets. */
export interface RouteContext {
  readonly params: Params;
  /** The caller; an empty anonymous identity on routes open to the world. */
  readonly who: AuthIdentity;
  readonly env: FakeEnv;
  readonly request: Request;
}

/** A success body with members beside `data` (e.g. `total` in task lists and logs). */
export class Envelope {
  constructor(
    readonly data: unknown,
    readonly extra: Readonly<Record<string, unknown>>,
  ) {}
}

/** One route of the fake: method, PVE schema path, parameter schema and handler. */
export interface RouteDef {
  readonly method: HttpMethod;
  /** The path exactly as in PVE's schema, e.g. `/nodes/{node}/qemu/{vmid}/status/start`. */
  readonly path: string;
  readonly params: ParamSpecs;
  /** `world`: no authentication (login); default `user`. */
  readonly access?: 'world' | 'user';
  /** False for the endpoints PVE closes to API tokens (`allowtoken: 0`). */
  readonly allowToken?: boolean;
  /** The first PVE major version that has the route (default 8: both). */
  readonly since?: 8 | 9;
  readonly handler: (ctx: RouteContext) => unknown;
}

/** Declares a route. */
export function route(
  method: HttpMethod,
  path: string,
  params: ParamSpecs,
  handler: RouteDef['handler'],
  extra: Pick<RouteDef, 'access' | 'allowToken' | 'since'> = {},
): RouteDef {
  return { method, path, params, handler, ...extra };
}
