import type { Operation, OperationQuery, Page } from '@hvc/hypervisor-connector';
import type { CallContext } from '@hvc/hypervisor-connector-kit';
import { operationPageOf } from '@hvc/hypervisor-connector-kit';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { pveRecords } from '../schemas/pve-record.js';
import { taskListItemFields } from '../schemas/record-fields.js';

const ClusterTaskListSchema = pveRecords(taskListItemFields);

/**
 * A page of `listOperations` from PVE's cluster task index (`GET /cluster/tasks`: each node's running tasks, plus its
 * newest finished ones while fewer than 25 are listed, whoever started them, as far as the credential may see them —
 * without `Sys.Audit` on `/` a user sees its own and its tokens' tasks, a token none, so a token's capabilities refuse
 * the call then). Each node refreshes its part of the index itself, so a task may show up there a moment after it
 * started. Filtered and paged by the kit, newest first.
 */
export async function listTaskOperations(
  pve: ProxmoxContext,
  query: OperationQuery,
  { signal }: CallContext,
): Promise<Page<Operation>> {
  const items = await pve.client.get(
    '/cluster/tasks',
    undefined,
    ClusterTaskListSchema,
    signal === undefined ? {} : { signal },
  );
  const operations = items.flatMap((item) => {
    const operation = pve.tasks.listed(item);
    return operation === undefined ? [] : [operation];
  });
  return operationPageOf(operations, query);
}
