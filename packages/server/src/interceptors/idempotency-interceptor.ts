import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DescMessage, type MessageShape, toBinary, toJson } from '@bufbuild/protobuf';
import { MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt';
import {
  ConnectError,
  createContextKey,
  type HandlerContext,
  type Interceptor,
  type UnaryRequest,
  type UnaryResponse,
} from '@connectrpc/connect';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAY_HEADER, isIdempotencyKey } from '@hvc/client';
import {
  ConflictError,
  InvalidArgumentError,
  isHypervisorError,
  UnavailableError,
} from '@hvc/hypervisor-connector';
import { type BackoffPolicy, backoffDelay } from '@hvc/hypervisor-connector-kit';
import type { IdempotencyRecord, IdempotencyStore } from '../storage/idempotency-store.js';
import { MAY_HAVE_BEEN_APPLIED_METADATA, toConnectError } from '../wire/error-mapping.js';
import {
  parseRecordedAnswer,
  recordError,
  recordResponse,
  replayError,
  replayResponse,
} from '../wire/recorded-answer.js';
import { AUDIT_KEY } from './request-context.js';

export { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAY_HEADER };

/** How a duplicate waits for the first call of its key: 50 ms, doubling, at most 1 s between looks. */
const WAIT_BACKOFF: BackoffPolicy = { initialMs: 50, factor: 2, maxMs: 1_000 };
/** How idempotency keys behave. */
export interface IdempotencyOptions {
  /** How long a key is remembered after its first use, ms (default 24 h). */
  readonly ttlMs?: number;
  /** How long a replica's claim on a running key lasts without renewal; renewed every third of it, ms (default 30 s). */
  readonly leaseMs?: number;
  /** Longest wait of a duplicate for the first call of its key to finish, ms (default 10 s, less if the deadline is nearer). */
  readonly maxWaitMs?: number;
  /** How often expired keys are deleted, at most, ms (default 10 min). */
  readonly purgeEveryMs?: number;
  /** The clock of key timestamps, ms since the epoch (default `Date.now`). */
  readonly now?: () => number;
  /** Told about a failed renewal, recording or purge; the call's answer never changes because of it. */
  readonly onError?: (error: unknown) => void;
}

/** The parts of the idempotency mechanism a call's handler reaches through its context. */
interface IdempotentCall {
  /** Claims the key for `organizationId` once the caller is known and authorised there (see {@link claimIdempotencyKey}). */
  claim(organizationId: string, actor: string, ctx: HandlerContext): Promise<void>;
}

const IDEMPOTENT_CALL = createContextKey<IdempotentCall | undefined>(undefined, {
  description: 'hvc idempotent call',
});

/** The answer recorded for a key, thrown by a claim to end the handler; the interceptor replays it. */
class RecordedAnswerFound {
  constructor(
    readonly record: IdempotencyRecord,
    /** The call's response metadata, which the protocol sends: the replay answers with it. */
    readonly header: Headers,
    readonly trailer: Headers,
  ) {}
}

/**
 * Makes the current write idempotent under its `Idempotency-Key`, now that the caller is authorised in
 * `organizationId` and before anything is written; a no-op for calls without a key. Handlers call it through the
 * target and organisation checks, once the organisation is known. It returns when this call owns the key; it
 * ends the handler with the recorded answer when the key was used before with the same request; it throws CONFLICT
 * (`IDEMPOTENCY_KEY_REUSED`) when the key was used with another request, and UNAVAILABLE (`IDEMPOTENCY_KEY_IN_PROGRESS`,
 * retryable) when the first call of the key is still running after the wait.
 */
export async function claimIdempotencyKey(
  ctx: HandlerContext,
  organizationId: string,
  actor: string,
): Promise<void> {
  await ctx.values.get(IDEMPOTENT_CALL)?.claim(organizationId, actor, ctx);
}

/** The key of a request, validated; undefined without the header. */
function keyOf(header: Headers): string | undefined {
  const key = header.get(IDEMPOTENCY_KEY_HEADER);
  if (key === null) return undefined;
  if (!isIdempotencyKey(key)) {
    throw new InvalidArgumentError(
      `invalid ${IDEMPOTENCY_KEY_HEADER} header: 1 to 128 printable ASCII characters without spaces`,
      { violations: [{ field: IDEMPOTENCY_KEY_HEADER, message: 'not an idempotency key' }] },
    );
  }
  return key;
}

/** JSON with object keys sorted, so that map order does not change a request's fingerprint. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The request as the fingerprint sees it: default values and field order never make two requests differ. */
function canonicalRequest<I extends DescMessage>(schema: I, message: MessageShape<I>): string {
  try {
    return canonicalJson(toJson(schema, message));
  } catch {
    // A message JSON cannot express without a type registry (google.protobuf.Any): its bytes, in field order.
    return Buffer.from(toBinary(schema, message)).toString('base64');
  }
}

/**
 * Whether a failed call's error is recorded for its key. Recorded: every definite answer (the request was wrong,
 * not allowed, or failed for good) and every failure after which the write may have been applied, so a retry
 * answers the same instead of writing a second time; the client looks the result up and uses a new key to try
 * again. Not recorded: retryable failures that happened before anything was written (the target unreachable,
 * the resource busy, a timeout or a cancellation before the write went out), so a retry with the same key runs.
 */
function isRecorded(error: unknown): boolean {
  if (isHypervisorError(error)) {
    if (error.mayHaveBeenApplied) return true;
    return !(error.retryable || error.code === 'CANCELLED' || error.code === 'TIMEOUT');
  }
  if (error instanceof ConnectError) return error.metadata.get(MAY_HAVE_BEEN_APPLIED_METADATA) === 'true';
  // Anything else is a bug whose effect is unknown: recorded as the INTERNAL error the client saw.
  return true;
}

/**
 * Idempotency keys for every unary method of `services` that is not declared free of side effects: a call with an
 * `Idempotency-Key` header runs once per organisation and key across all replicas (the key lives in the database
 * until it expires), and its answer is recorded; a later call with the same key and the same request gets that
 * answer without running (header {@link IDEMPOTENT_REPLAY_HEADER}); a concurrent one waits for it. The key is
 * claimed by the handler once the caller is authorised ({@link claimIdempotencyKey}), so an unauthorised call
 * learns nothing about another's keys. Place it last, after the error interceptor: it records the errors clients see.
 */
export function idempotencyInterceptor(
  store: IdempotencyStore,
  requestMac: (data: string) => string,
  services: readonly string[],
  options: IdempotencyOptions = {},
): Interceptor {
  const keyed = new Set(services);
  const ttlMs = options.ttlMs ?? 24 * 3_600_000;
  const leaseMs = options.leaseMs ?? 30_000;
  const maxWaitMs = options.maxWaitMs ?? 10_000;
  const purgeEveryMs = options.purgeEveryMs ?? 10 * 60_000;
  const now = options.now ?? Date.now;
  const onError = options.onError ?? (() => {});
  let nextPurge = 0;

  /** Deletes expired keys now and then, on a replica that is handling keys anyway; concurrent purges are harmless. */
  function purgeNowAndThen(): void {
    const time = now();
    if (time < nextPurge) return;
    nextPurge = time + purgeEveryMs;
    store.purgeExpired(new Date(time)).catch(onError);
  }

  // Reads and streams pass straight through, without an async frame of their own: they are the hot path.
  return (next) => {
    const keyedCall = async (req: UnaryRequest): ReturnType<typeof next> => {
      const key = keyOf(req.header);
      if (key === undefined) return next(req);
      const method = `${req.service.typeName}/${req.method.name}`;
      const request = canonicalRequest(req.method.input, req.message);
      let owned: { organizationId: string; owner: string; renewal: NodeJS.Timeout } | undefined;

      const call: IdempotentCall = {
        async claim(organizationId, actor, ctx) {
          const { signal } = ctx;
          if (owned) return;
          purgeNowAndThen();
          const requestHmac = requestMac(canonicalJson([method, actor, request]));
          const owner = randomUUID();
          const claimAt = () => ({
            organizationId,
            key,
            method,
            requestHmac,
            owner,
            now: new Date(now()),
            leaseMs,
            ttlMs,
          });
          const giveUpAt = performance.now() + maxWaitMs;
          for (let attempt = 1; ; attempt++) {
            const delay = backoffDelay(WAIT_BACKOFF, attempt);
            let won = await store.claim(claimAt());
            if (!won) {
              const record = await store.get(organizationId, key);
              if (record && record.requestHmac !== requestHmac) {
                throw new ConflictError(
                  `the ${IDEMPOTENCY_KEY_HEADER} was used before with another request (IDEMPOTENCY_KEY_REUSED): use a new key for a new request`,
                  { retryable: false, details: { reason: 'IDEMPOTENCY_KEY_REUSED' } },
                );
              }
              if (record?.state === 'completed')
                throw new RecordedAnswerFound(record, ctx.responseHeader, ctx.responseTrailer);
              if (record && (record.leaseUntil ?? '') < new Date(now()).toISOString())
                won = await store.takeOver(claimAt());
            }
            if (won) {
              const renewal = setInterval(() => {
                store.renew(organizationId, key, owner, new Date(now() + leaseMs)).catch(onError);
              }, leaseMs / 3);
              renewal.unref();
              owned = { organizationId, owner, renewal };
              return;
            }
            if (performance.now() + delay > giveUpAt || signal.aborted) {
              throw new UnavailableError(
                `a request with this ${IDEMPOTENCY_KEY_HEADER} is still in progress (IDEMPOTENCY_KEY_IN_PROGRESS): retry it later with the same key`,
                { details: { reason: 'IDEMPOTENCY_KEY_IN_PROGRESS' } },
              );
            }
            await sleep(delay, undefined, { signal }).catch(() => {});
          }
        },
      };
      req.contextValues.set(IDEMPOTENT_CALL, call);

      /** Records what the owner's call answered, or gives the key up; never changes the answer. */
      const finish = async (record: (() => string) | undefined) => {
        if (!owned) return;
        clearInterval(owned.renewal);
        const { organizationId, owner } = owned;
        try {
          if (record === undefined) await store.release(organizationId, key, owner);
          else {
            const operationId = req.contextValues.get(AUDIT_KEY)?.operationId;
            await store.complete(organizationId, key, owner, record(), operationId);
          }
        } catch (error) {
          onError(error);
        }
      };

      try {
        const res = await next(req);
        if (!owned) onError(new Error(`${method} succeeded with an idempotency key it never claimed`));
        if (!res.stream) await finish(() => recordResponse(req.method.output, res.message));
        return res;
      } catch (error) {
        if (!(error instanceof RecordedAnswerFound)) {
          await finish(isRecorded(error) ? () => recordError(toConnectError(error)) : undefined);
          throw error;
        }
        const { record } = error;
        const note = req.contextValues.get(AUDIT_KEY);
        if (note && record.operationId !== null) note.operationId = record.operationId;
        const answer = parseRecordedAnswer(record.response ?? '');
        if (answer.kind === 'error') {
          const replayed = replayError(answer);
          replayed.metadata.set(IDEMPOTENT_REPLAY_HEADER, 'true');
          throw replayed;
        }
        error.header.set(IDEMPOTENT_REPLAY_HEADER, 'true');
        const replayed: UnaryResponse = {
          stream: false,
          service: req.service,
          method: req.method,
          header: error.header,
          trailer: error.trailer,
          message: replayResponse(req.method.output, answer),
        };
        return replayed as Awaited<ReturnType<typeof next>>;
      }
    };
    return (req) =>
      req.stream ||
      req.method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS ||
      !keyed.has(req.service.typeName)
        ? next(req)
        : keyedCall(req);
  };
}
