import { describeConformance } from '@hvc/hypervisor-connector-conformance';
import { afterAll, beforeAll } from 'vitest';
import {
  type ConformanceTargets,
  proxmoxFixture,
  startConformanceTargets,
  stopConformanceTargets,
} from './support/conformance-fixture.js';

// The kit against the connector with username/password (ticket) auth, for QEMU and LXC, over the PVE fake's
// loopback HTTPS with fingerprint pinning.
const targets: ConformanceTargets = {};
beforeAll(() => startConformanceTargets(targets));
afterAll(() => stopConformanceTargets(targets));

describeConformance(proxmoxFixture(targets, 'ticket', 'qemu'));
describeConformance(proxmoxFixture(targets, 'ticket', 'lxc'));
