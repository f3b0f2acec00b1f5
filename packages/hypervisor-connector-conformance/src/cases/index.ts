import type { ConformanceCase } from '../conformance-case.js';
import { abortedCallCases } from './aborted-calls.js';
import { capabilityCases } from './capabilities.js';
import { consoleMetricsCases } from './console-metrics.js';
import { dataOwnershipCases } from './data-ownership.js';
import { deviceChangeCases } from './device-changes.js';
import { disposalCases } from './disposal.js';
import { factoryCases } from './factory.js';
import { guestAddressCases } from './guest-addresses.js';
import { guestChangeCases } from './guest-changes.js';
import { guestQueryCases } from './guest-queries.js';
import { guestSourceCases } from './guest-sources.js';
import { guestTypeLimitCases } from './guest-type-limits.js';
import { guestWatchCases } from './guest-watch.js';
import { identifierCases } from './identifiers.js';
import { invalidInputCases } from './invalid-input.js';
import { inventoryCases } from './inventory.js';
import { lifecycleCases } from './lifecycle.js';
import { migrationCases } from './migration.js';
import { operationCases } from './operations.js';
import { pagedListCases } from './paged-lists.js';
import { provisioningInputCases } from './provisioning-input.js';
import { snapshotCases } from './snapshots.js';
import { targetCases } from './target.js';
import { templateCases } from './templates.js';

/** The kit's cases by concern, in the order the suites are registered. */
export const CONFORMANCE_GROUPS: Readonly<Record<string, readonly ConformanceCase[]>> = {
  target: targetCases,
  factory: factoryCases,
  'guest queries': guestQueryCases,
  'paged lists': pagedListCases,
  'guest changes': guestChangeCases,
  lifecycle: lifecycleCases,
  snapshots: snapshotCases,
  migration: migrationCases,
  'console and metrics': consoleMetricsCases,
  inventory: inventoryCases,
  'guest sources': guestSourceCases,
  'device changes': deviceChangeCases,
  templates: templateCases,
  addresses: guestAddressCases,
  watch: guestWatchCases,
  operations: operationCases,
  identifiers: identifierCases,
  'invalid input': [...invalidInputCases, ...provisioningInputCases],
  'aborted calls': abortedCallCases,
  capabilities: [...capabilityCases, ...guestTypeLimitCases],
  'data ownership': dataOwnershipCases,
  disposal: disposalCases,
};

/** Every case of the kit. */
export const CONFORMANCE_CASES: readonly ConformanceCase[] = Object.values(CONFORMANCE_GROUPS).flat();

export {
  abortedCallCases,
  capabilityCases,
  consoleMetricsCases,
  dataOwnershipCases,
  deviceChangeCases,
  disposalCases,
  factoryCases,
  guestAddressCases,
  guestChangeCases,
  guestQueryCases,
  guestSourceCases,
  guestTypeLimitCases,
  guestWatchCases,
  identifierCases,
  invalidInputCases,
  inventoryCases,
  lifecycleCases,
  migrationCases,
  operationCases,
  pagedListCases,
  provisioningInputCases,
  snapshotCases,
  targetCases,
  templateCases,
};
