/**
 * The hypervisor connector contract, spec v1: normalised types, input schemas, capabilities, errors and the
 * connector and factory interfaces every hypervisor implementation provides. Spec only: no implementation.
 *
 * @packageDocumentation
 */
export * from './connector.js';
export * from './connector-factory.js';
export * from './errors/index.js';
export * from './model/capabilities.js';
export * from './model/console-stream.js';
export * from './model/console-ticket.js';
export * from './model/guest.js';
export * from './model/guest-addresses.js';
export * from './model/guest-config.js';
export * from './model/guest-event.js';
export * from './model/host-node.js';
export * from './model/image.js';
export * from './model/metric-series.js';
export * from './model/network.js';
export * from './model/operation.js';
export * from './model/page.js';
export * from './model/snapshot.js';
export * from './model/storage.js';
export * from './model/target-info.js';
export * from './paging/iterate-pages.js';
export * from './schemas/index.js';
export * from './specification.js';
export * from './uri-connector-factory.js';
