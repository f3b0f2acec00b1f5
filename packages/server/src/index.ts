/**
 * hvc-server: the `hvc.v1` API (gRPC, gRPC-Web and Connect JSON on one port) in front of hypervisor targets, with
 * authentication, per-organisation authorization, storage and the `hvc-server` bin.
 *
 * @packageDocumentation
 */
export * from './gen/hvc/v1/guests_pb.js';
export * from './gen/hvc/v1/members_pb.js';
export * from './gen/hvc/v1/operations_pb.js';
export * from './gen/hvc/v1/resources_pb.js';
export * from './gen/hvc/v1/snapshots_pb.js';
export * from './gen/hvc/v1/targets_pb.js';
