/**
 * The hypervisor connector contract. The package root is the current version of the spec (v1); import
 * `@hvc/hypervisor-connector/v1` to pin it. A later version lives beside it in its own folder.
 *
 * @packageDocumentation
 */
export * from './v1/index.js';
