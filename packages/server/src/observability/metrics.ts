import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The server's Prometheus metrics, on their own registry. */
export interface ServerMetrics {
  readonly registry: Registry;
  /** RPC latency by method and gRPC code. */
  readonly rpcDuration: Histogram<'method' | 'code'>;
  /** Authentication failures by reason. */
  readonly authFailures: Counter<'reason'>;
  /**
   * Connector calls by connector kind, method and outcome (`ok` or the error code). Never by target: targets are
   * created at will by every organisation, so a label per target would grow without bound and name their targets.
   */
  readonly connectorCalls: Counter<'kind' | 'method' | 'outcome'>;
  /** Connector call latency by connector kind and method. */
  readonly connectorDuration: Histogram<'kind' | 'method'>;
  /** How many targets' circuit breakers are in each state (`closed`, `half-open`, `open`). */
  readonly breakers: Gauge<'state'>;
  /** Epoch seconds of each issuer's last successful key refresh. */
  readonly jwksLastRefresh: Gauge<'issuer'>;
  /** 1 while the dev issuer is enabled (the demo). */
  readonly devAuthEnabled: Gauge;
  /** Calls in flight. */
  readonly inFlight: Gauge;
  /** Calls that need no token (health) refused because too many were open. */
  readonly unauthenticatedRefused: Counter;
}

/** Creates the metrics on a fresh registry (so several servers in one process do not collide). */
export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    rpcDuration: new Histogram({
      name: 'hvc_rpc_duration_seconds',
      help: 'RPC latency by method and gRPC code.',
      labelNames: ['method', 'code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    authFailures: new Counter({
      name: 'hvc_auth_failures_total',
      help: 'Requests refused by authentication, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    connectorCalls: new Counter({
      name: 'hvc_connector_calls_total',
      help: 'Connector calls by connector kind, method and outcome.',
      labelNames: ['kind', 'method', 'outcome'],
      registers,
    }),
    connectorDuration: new Histogram({
      name: 'hvc_connector_call_duration_seconds',
      help: 'Connector call latency by connector kind and method.',
      labelNames: ['kind', 'method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    breakers: new Gauge({
      name: 'hvc_target_breakers',
      help: 'Targets whose circuit breaker is in each state (closed, half-open, open).',
      labelNames: ['state'],
      registers,
    }),
    jwksLastRefresh: new Gauge({
      name: 'hvc_jwks_last_refresh_timestamp_seconds',
      help: 'When each OIDC issuer last refreshed its keys successfully.',
      labelNames: ['issuer'],
      registers,
    }),
    devAuthEnabled: new Gauge({
      name: 'hvc_dev_auth_enabled',
      help: '1 while the demo dev issuer is trusted.',
      registers,
    }),
    inFlight: new Gauge({ name: 'hvc_rpc_in_flight', help: 'RPCs in flight.', registers }),
    unauthenticatedRefused: new Counter({
      name: 'hvc_unauthenticated_refused_total',
      help: 'Calls that need no token (health) refused because too many were open.',
      registers,
    }),
  };
}
