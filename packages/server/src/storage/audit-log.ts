import type { Kysely } from 'kysely';
import type { AuditEvent } from '../domain/records.js';
import type { Database } from './database-schema.js';

/** The audit log of mutating calls. */
export interface AuditLog {
  record(event: AuditEvent): Promise<void>;
  /** The newest events first. */
  list(options?: { limit?: number; organizationId?: string }): Promise<AuditEvent[]>;
}

/** An {@link AuditLog} on the server's database. */
export function createAuditLog(db: Kysely<Database>): AuditLog {
  return {
    async record(event) {
      await db
        .insertInto('audit_events')
        .values({
          time: event.time,
          actor_type: event.actor.type,
          actor_id: event.actor.id,
          organization_id: event.organizationId ?? null,
          action: event.action,
          target_id: event.targetId ?? null,
          guest_id: event.guestId ?? null,
          outcome: event.outcome,
          error_code: event.errorCode ?? null,
          operation_id: event.operationId ?? null,
          member_id: event.memberId ?? null,
        })
        .execute();
    },
    async list(options = {}) {
      let query = db
        .selectFrom('audit_events')
        .selectAll()
        .orderBy('id', 'desc')
        .limit(options.limit ?? 100);
      if (options.organizationId !== undefined)
        query = query.where('organization_id', '=', options.organizationId);
      const rows = await query.execute();
      return rows.map((row) => ({
        time: row.time,
        actor: { type: row.actor_type === 'service' ? 'service' : 'user', id: row.actor_id },
        action: row.action,
        outcome: row.outcome === 'ok' ? 'ok' : 'error',
        ...(row.organization_id === null ? {} : { organizationId: row.organization_id }),
        ...(row.target_id === null ? {} : { targetId: row.target_id }),
        ...(row.guest_id === null ? {} : { guestId: row.guest_id }),
        ...(row.error_code === null ? {} : { errorCode: row.error_code }),
        ...(row.operation_id === null ? {} : { operationId: row.operation_id }),
        ...(row.member_id === null ? {} : { memberId: row.member_id }),
      }));
    },
  };
}
