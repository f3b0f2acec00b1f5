import type { ServiceImpl } from '@connectrpc/connect';
import type { TargetService } from '@hvc/client/v1';
import { InvalidArgumentError, parseInput } from '@hvc/hypervisor-connector';
import type { Clock } from '@hvc/hypervisor-connector-kit';
import { z } from 'zod';
import { enforce } from '../authz/enforce.js';
import { claimIdempotencyKey } from '../interceptors/idempotency-interceptor.js';
import { noteAudit, principalOf, subjectOf } from '../interceptors/request-context.js';
import { nodesToProto, targetInfoToProto, targetToProto } from '../wire/proto-mapping.js';
import { OrganizationIdSchema, parseTargetId } from '../wire/request-ids.js';
import { accessTarget, actorOf, grantTarget } from './access.js';
import { testConnectivity } from './connectivity-test.js';
import { organizationFor } from './organization-scope.js';
import { ProbeBudget } from './probe-budget.js';
import type { ServiceDeps } from './service-deps.js';
import { checkTargetConfig } from './target-config-check.js';

const KindSchema = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'not a connector kind');
const DisplayNameSchema = z
  .string()
  .max(200)
  .regex(/^[^\p{Cc}]*$/u, 'no control characters');

function check<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const message = result.error.issues[0]?.message ?? 'invalid';
  throw new InvalidArgumentError(`invalid ${field}: ${message}`, { violations: [{ field, message }] });
}

/** Limits of the target service. */
export interface TargetServiceOptions {
  /** Probes (connectivity tests, targets created or re-pointed) per organisation and minute. */
  readonly probesPerMinute: number;
  /** How long a connectivity test may take; an unreachable target answers after exactly this, ms. */
  readonly probeWindowMs: number;
  /** The clock the probe budgets refill on. */
  readonly clock: Clock;
}

/**
 * The target service: everyone reads their organisations' targets; admins manage and test them. Configs are
 * checked with their connector's schema before they are stored, and each organisation's probes are budgeted.
 */
export function createTargetService(
  deps: ServiceDeps,
  options: TargetServiceOptions,
): ServiceImpl<typeof TargetService> {
  const { store, authorizer } = deps;
  const probes = new ProbeBudget(options.probesPerMinute, options.clock);

  return {
    async listTargets(req, ctx) {
      if (req.organizationId !== '') parseInput(OrganizationIdSchema, req.organizationId, 'organization_id');
      const principal = await principalOf(ctx);
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await authorizer.listAllowed(
          subjectOf(principal),
          'view',
          'target',
          cursor ? { cursor } : {},
        );
        ids.push(...page.ids);
        cursor = page.cursor;
      } while (cursor !== undefined);
      const names = ids
        .map((name) => name.split('/', 2) as [string, string])
        .filter(([organizationId]) => req.organizationId === '' || organizationId === req.organizationId);
      const targets = await Promise.all(names.map(([org, id]) => store.targets.get(org, id)));
      return { targets: targets.flatMap((t) => (t === undefined ? [] : [targetToProto(t)])) };
    },
    async getTarget(req, ctx) {
      const { target } = await grantTarget(deps, ctx, 'view', req);
      return { target: targetToProto(target) };
    },
    async createTarget(req, ctx) {
      const targetId = parseTargetId(req.targetId);
      const kind = check(KindSchema, req.kind, 'kind');
      const displayName = check(DisplayNameSchema, req.displayName, 'display_name');
      noteAudit(ctx, { targetId });
      const principal = await principalOf(ctx);
      const organizationId = await organizationFor(store.members, principal, req.organizationId);
      await enforce(authorizer, subjectOf(principal), 'manage', { type: 'organization', id: organizationId });
      noteAudit(ctx, { organizationId });
      await claimIdempotencyKey(ctx, organizationId, actorOf(principal));
      const config = req.config ?? {};
      await checkTargetConfig(deps.resolver, { id: targetId, kind, config, credentials: req.credentials });
      probes.spend(organizationId);
      const target = await store.targets.create({
        id: targetId,
        organizationId,
        displayName: displayName || targetId,
        kind,
        config,
        ...(req.credentials ? { credentials: req.credentials } : {}),
      });
      return { target: targetToProto(target) };
    },
    async updateTarget(req, ctx) {
      const displayName =
        req.displayName === undefined ? undefined : check(DisplayNameSchema, req.displayName, 'display_name');
      const { target: current } = await grantTarget(deps, ctx, 'manage', req);
      if (req.config || req.credentials) {
        // The target as it will be: the new config or credentials, the stored ones for what is not changed.
        const stored = (await store.targets.descriptor(current.key))?.config.credentials;
        await checkTargetConfig(deps.resolver, {
          id: current.id,
          kind: current.kind,
          config: req.config ?? current.config,
          credentials: req.credentials ?? (stored as Readonly<Record<string, unknown>> | undefined),
        });
        probes.spend(current.organizationId);
      }
      const target = await store.targets.update(current.organizationId, current.id, {
        ...(displayName === undefined ? {} : { displayName }),
        ...(req.config ? { config: req.config } : {}),
        ...(req.credentials ? { credentials: req.credentials } : {}),
      });
      // Calls already made finish on the old connector; the next one gets a connector for the new settings.
      void deps.resolver.evict(target.key);
      return { target: targetToProto(target) };
    },
    async deleteTarget(req, ctx) {
      const { target } = await grantTarget(deps, ctx, 'manage', req);
      await store.targets.delete(target.organizationId, target.id);
      // The connector goes with the row: nothing made later, under any name, can reach it.
      void deps.resolver.evict(target.key);
      return {};
    },
    async testTargetConnectivity(req, ctx) {
      const { target } = await grantTarget(deps, ctx, 'manage', req);
      probes.spend(target.organizationId);
      // A target that cannot be built or reached is a failed test, not a failed call.
      return testConnectivity(deps.resolver, target.key, options.probeWindowMs, ctx.signal);
    },
    async describeTarget(req, ctx) {
      const { connector, targetId } = await accessTarget(deps, ctx, 'view', req);
      const info = await connector.describe({ signal: ctx.signal });
      return { info: targetInfoToProto(info, targetId) };
    },
    async listNodes(req, ctx) {
      const { connector } = await accessTarget(deps, ctx, 'view', req);
      return { nodes: nodesToProto(await connector.listNodes({ signal: ctx.signal })) };
    },
  };
}
