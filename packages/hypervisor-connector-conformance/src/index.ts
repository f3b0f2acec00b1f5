/**
 * The conformance kit: vitest suites that check a connector keeps the contract. A hypervisor is supported when its
 * connector passes them. `vitest` is an optional peer dependency of this package; only this entry point needs it.
 *
 * {@link describeConformance} registers one `describe` per concern (target, guest queries, guest changes,
 * lifecycle, snapshots, migration, console and metrics, inventory, guest sources, device changes, templates,
 * addresses, operations, identifiers, invalid input, aborted calls, capabilities, data ownership, disposal) and one
 * test per case. Every case opens its own connector with
 * `fixture.connect()`, creates the guests it needs (named `kit-...`), removes them and closes the connector at the
 * end, so the kit runs against a shared target too. Waits are bounded by `operationTimeoutMs`, never by how fast the
 * target is. A case whose fixture member is missing shows as skipped with the member's name; a case whose capability
 * the connector reports missing skips at run time with the reason (the restricted case checks UNSUPPORTED instead).
 *
 * @example
 * ```ts
 * // test/conformance-memory.test.ts
 * import { describeConformance } from '@hvc/hypervisor-connector-conformance';
 * import { createMemoryConnector, type MemoryConnector } from '@hvc/hypervisor-connector-memory';
 *
 * describeConformance({
 *   name: 'memory',
 *   isolated: true, // every connect() is a fresh in-memory target: nothing to clean up
 *   connect: () => createMemoryConnector({ guests: [{ type: 'vm', name: 'golden', template: true }] }),
 *   vmSpec: (name) => ({ type: 'vm', name, cpus: 2, memoryMiB: 1024 }),
 *   containerSpec: (name) => ({ type: 'container', name, osTemplate: 'local:vztmpl/debian-12.tar.zst' }),
 *   templateGuestId: async (connector) => (await connector.listGuests({ namePrefix: 'golden' }))[0]!.id,
 *   unknownOperationId: 'no-such-operation',
 *   connectRestricted: () =>
 *     createMemoryConnector({ capabilities: { snapshots: false, migration: { offline: false, live: false } } }),
 *   injectOperationFailure: (connector, { type, guestId }) =>
 *     (connector as MemoryConnector).state.failNext(type, { guestId }),
 *   slowOperations: { connect: () => createMemoryConnector({ operationDurationMs: 1_000 }) },
 * });
 * ```
 *
 * A single case also runs on its own, which is how a test proves a case catches a connector broken on purpose:
 * `await expect(runConformanceCase(brokenFixture, 'guests.delete')).rejects.toThrow()`.
 *
 * @packageDocumentation
 */
export type { CaseContext, GuestOptions } from './case-context.js';
export { DEFAULT_OPERATION_TIMEOUT_MS } from './case-context.js';
export * from './cases/index.js';
export type { CaseNeed, ConformanceCase } from './conformance-case.js';
export { CaseSkip } from './conformance-case.js';
export type { ConformanceFixture, ConnectorSource } from './conformance-fixture.js';
export { describeConformance } from './describe-conformance.js';
export type { CaseResult } from './run-conformance-case.js';
export { runConformanceCase, unmetNeed } from './run-conformance-case.js';
