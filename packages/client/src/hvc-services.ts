import { ConsoleService } from './gen/hvc/v1/consoles_pb.js';
import { GuestService } from './gen/hvc/v1/guests_pb.js';
import { MemberService } from './gen/hvc/v1/members_pb.js';
import { OperationService } from './gen/hvc/v1/operations_pb.js';
import { SnapshotService } from './gen/hvc/v1/snapshots_pb.js';
import { TargetService } from './gen/hvc/v1/targets_pb.js';

/** The services of the `hvc.v1` API, by the name an {@link HvcClient} gives each of them. */
export const HVC_SERVICES = {
  targets: TargetService,
  guests: GuestService,
  snapshots: SnapshotService,
  operations: OperationService,
  members: MemberService,
  consoles: ConsoleService,
} as const;

export { ConsoleService, GuestService, MemberService, OperationService, SnapshotService, TargetService };
