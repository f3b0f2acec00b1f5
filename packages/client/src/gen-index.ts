/**
 * Every message, enum and service of the `hvc.v1` API, as generated from `proto/hvc/v1` (protobuf-es). Import
 * them from `@hvc/client/v1`, or as the `wire` namespace of the package root.
 *
 * @packageDocumentation
 */
export * from './gen/hvc/v1/consoles_pb.js';
export * from './gen/hvc/v1/guests_pb.js';
export * from './gen/hvc/v1/members_pb.js';
export * from './gen/hvc/v1/operations_pb.js';
export * from './gen/hvc/v1/resources_pb.js';
export * from './gen/hvc/v1/snapshots_pb.js';
export * from './gen/hvc/v1/targets_pb.js';
