import { describeConformance } from '@hvc/hypervisor-connector-conformance';
import { afterAll, beforeAll } from 'vitest';
import {
  type ConformanceTargets,
  proxmoxFixture,
  startConformanceTargets,
  stopConformanceTargets,
} from './support/conformance-fixture.js';

// The kit against the connector with API token auth, for QEMU and LXC, over the PVE fake's loopback HTTPS with
// fingerprint pinning. Ticket auth runs in connector-conformance-ticket.test.ts (in parallel).
const targets: ConformanceTargets = {};
beforeAll(() => startConformanceTargets(targets));
afterAll(() => stopConformanceTargets(targets));

describeConformance(proxmoxFixture(targets, 'token', 'qemu'));
describeConformance(proxmoxFixture(targets, 'token', 'lxc'));
