import { createRegistry } from '@bufbuild/protobuf';
import type { ConnectRouter } from '@connectrpc/connect';
import {
  ConsoleService,
  file_hvc_v1_consoles,
  file_hvc_v1_guest_events,
  file_hvc_v1_guests,
  file_hvc_v1_inventory,
  file_hvc_v1_members,
  file_hvc_v1_operations,
  file_hvc_v1_snapshots,
  file_hvc_v1_targets,
  GuestEventService,
  GuestService,
  InventoryService,
  MemberService,
  OperationService,
  SnapshotService,
  TargetService,
} from '@hvc/client/v1';
import { file_grpc_health_v1_health, Health } from '../gen/grpc/health/v1/health_pb.js';
import {
  file_grpc_reflection_v1_reflection,
  ServerReflection as ReflectionV1,
} from '../gen/grpc/reflection/v1/reflection_pb.js';
import {
  file_grpc_reflection_v1alpha_reflection,
  ServerReflection as ReflectionV1Alpha,
} from '../gen/grpc/reflection/v1alpha/reflection_pb.js';
import { type ConsoleServiceOptions, createConsoleService } from './console-service.js';
import { createGuestEventService } from './guest-event-service.js';
import { createGuestService } from './guest-service.js';
import { createHealthService } from './health-service.js';
import { createInventoryService } from './inventory-service.js';
import { createMemberService } from './member-service.js';
import { createOperationService } from './operation-service.js';
import { createReflectionServices } from './reflection-service.js';
import type { ServiceDeps } from './service-deps.js';
import { createSnapshotService } from './snapshot-service.js';
import { createTargetService, type TargetServiceOptions } from './target-service.js';

/** The `hvc.v1` services, by full name. */
export const HVC_SERVICES = [
  TargetService,
  GuestService,
  InventoryService,
  GuestEventService,
  SnapshotService,
  OperationService,
  MemberService,
  ConsoleService,
].map((s) => s.typeName);

/** How the services behave, beyond the parts they are built from. */
export interface HvcRoutesOptions {
  /** How often an open operation watch checks again that its caller may still see the target, ms. */
  readonly watchRecheckMs: number;
  /** Whether the server can serve (the gRPC health service reports it). */
  readonly ready: () => boolean;
  /** Limits of the target service: the probe budget and window. */
  readonly targets: TargetServiceOptions;
  /** How console tickets are minted. */
  readonly consoles: ConsoleServiceOptions;
}

/** Registers the `hvc.v1` services, `grpc.health.v1` and server reflection (v1 and v1alpha) on a router. */
export function hvcRoutes(deps: ServiceDeps, options: HvcRoutesOptions): (router: ConnectRouter) => void {
  const files = [
    file_hvc_v1_targets,
    file_hvc_v1_guests,
    file_hvc_v1_inventory,
    file_hvc_v1_guest_events,
    file_hvc_v1_snapshots,
    file_hvc_v1_operations,
    file_hvc_v1_members,
    file_hvc_v1_consoles,
    file_grpc_health_v1_health,
    file_grpc_reflection_v1_reflection,
    file_grpc_reflection_v1alpha_reflection,
  ];
  const allServices = [...HVC_SERVICES, Health.typeName, ReflectionV1.typeName, ReflectionV1Alpha.typeName];
  const reflection = createReflectionServices(createRegistry(...files), files, allServices);

  return (router) => {
    router.service(TargetService, createTargetService(deps, options.targets));
    router.service(GuestService, createGuestService(deps));
    router.service(InventoryService, createInventoryService(deps));
    router.service(
      GuestEventService,
      createGuestEventService(deps, { recheckEveryMs: options.watchRecheckMs }),
    );
    router.service(SnapshotService, createSnapshotService(deps));
    router.service(
      OperationService,
      createOperationService(deps, { recheckEveryMs: options.watchRecheckMs }),
    );
    router.service(MemberService, createMemberService(deps));
    router.service(ConsoleService, createConsoleService(deps, options.consoles));
    router.service(Health, createHealthService(HVC_SERVICES, options.ready));
    router.service(ReflectionV1, reflection.v1);
    router.service(ReflectionV1Alpha, reflection.v1alpha);
  };
}
