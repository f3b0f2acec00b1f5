import type { RouteDef } from './route.js';

/** A route found for a request, with its path placeholders decoded. */
export interface RouteMatch {
  readonly route: RouteDef;
  readonly pathParams: Record<string, string>;
}

interface Compiled {
  readonly route: RouteDef;
  readonly segments: readonly { literal?: string; param?: string }[];
}

/** Finds routes by method and path; path placeholders match one URI-decoded segment. */
export class RouteMatcher {
  readonly #compiled: Compiled[];

  constructor(routes: readonly RouteDef[]) {
    this.#compiled = routes.map((route) => ({
      route,
      segments: route.path
        .split('/')
        .filter(Boolean)
        .map((s) => (s.startsWith('{') ? { param: s.slice(1, -1) } : { literal: s })),
    }));
  }

  /** The route for a method and a path relative to `/api2/json`, if any. */
  match(method: string, relPath: string): RouteMatch | undefined {
    const parts = relPath.split('/').filter(Boolean);
    for (const c of this.#compiled) {
      if (c.route.method !== method || c.segments.length !== parts.length) continue;
      const pathParams: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const seg = c.segments[i]!;
        let part: string;
        try {
          part = decodeURIComponent(parts[i]!);
        } catch {
          part = parts[i]!;
        }
        if (seg.literal !== undefined) ok = seg.literal === part;
        else pathParams[seg.param!] = part;
      }
      if (ok) return { route: c.route, pathParams };
    }
    return undefined;
  }
}
