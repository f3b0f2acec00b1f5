/**
 * The conformance kit: vitest suites that check a connector keeps the contract. A hypervisor is supported when its
 * connector passes them. `vitest` is an optional peer dependency of this package; only this entry point needs it.
 *
 * @example
 * ```ts
 * // test/conformance-memory.test.ts
 * import { describeConformance } from '@hvc/hypervisor-connector/conformance';
 * import { createMemoryConnector } from '@hvc/hypervisor-connector/memory';
 *
 * describeConformance({
 *   name: 'memory',
 *   isolated: true, // every connect() is a fresh in-memory target
 *   connect: () => createMemoryConnector(),
 *   vmSpec: (name) => ({ type: 'vm', name, cpus: 2, memoryMiB: 1024 }),
 *   containerSpec: (name) => ({ type: 'container', name, osTemplate: 'local:vztmpl/debian-12.tar.zst' }),
 *   connectRestricted: () =>
 *     createMemoryConnector({ capabilities: { snapshots: false, migration: { offline: false, live: false } } }),
 *   slowOperations: { connect: () => createMemoryConnector({ operationDurationMs: 1500 }) },
 * });
 * ```
 *
 * A single case can also run on its own, for instance to prove it fails against a connector broken on purpose:
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
