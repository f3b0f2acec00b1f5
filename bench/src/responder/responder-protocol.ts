import type { ResponderStats } from './responder-server.js';

/** How the parent starts a responder process (passed as one JSON argument). */
export interface ResponderLaunch {
  readonly guests: number;
  readonly nodes: number;
  readonly taskDurationMs: number;
  readonly keyFile: string;
  readonly certFile: string;
  readonly authorization: string;
}

/** A request from the parent to the responder process. */
export interface ResponderCommand {
  readonly id: number;
  readonly cmd: 'stats' | 'reset' | 'close';
}

/** The responder's answer to a command; `id` 0 announces the listening port. */
export interface ResponderReply {
  readonly id: number;
  readonly port?: number;
  readonly stats?: ResponderStats;
}
