import type { MessageShape } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { ListOperationsRequestSchema } from '@hvc/client/v1';
import { OperationStatus } from '@hvc/client/v1';
import { type OperationStatus as ContractStatus, InvalidArgumentError } from '@hvc/hypervisor-connector';
import { compact } from './compact.js';

const STATUSES: Readonly<Record<number, ContractStatus>> = {
  [OperationStatus.RUNNING]: 'running',
  [OperationStatus.SUCCEEDED]: 'succeeded',
  [OperationStatus.FAILED]: 'failed',
  [OperationStatus.CANCELLED]: 'cancelled',
};

function invalid(field: string, message: string): InvalidArgumentError {
  return new InvalidArgumentError(`invalid ${field}: ${message}`, { violations: [{ field, message }] });
}

/**
 * The filter fields of a `ListOperations` request as the contract's `OperationQuerySchema` takes them: no status
 * for UNSPECIFIED, INVALID_ARGUMENT (`status`) for a number this server does not know (proto3 enums are open), and
 * `since` as ISO 8601 (INVALID_ARGUMENT for a timestamp outside what a date can hold).
 */
export function operationFilterFromProto(
  req: MessageShape<typeof ListOperationsRequestSchema>,
): Record<string, unknown> {
  let status: ContractStatus | undefined;
  if (req.status !== OperationStatus.UNSPECIFIED) {
    status = STATUSES[req.status];
    if (status === undefined) throw invalid('status', `${req.status} is not an operation status`);
  }
  let since: string | undefined;
  if (req.since !== undefined) {
    const date = timestampDate(req.since);
    if (Number.isNaN(date.getTime()) || req.since.nanos < 0 || req.since.nanos > 999_999_999) {
      throw invalid('since', 'not a time');
    }
    since = date.toISOString();
  }
  return compact({ guestId: req.guestId, type: req.type, status, since });
}
