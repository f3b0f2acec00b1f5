import type { LibvirtScenarioResult } from '../libvirt/libvirt-scenario.js';
import type { FleetListingResult } from '../scenarios/fleet-listing.js';
import type { FanoutResult } from '../scenarios/operation-fanout.js';
import type { CeilingResult } from '../scenarios/responder-ceiling.js';
import type { ServerOverheadResult } from '../scenarios/server-overhead.js';
import type { ServerScaleResult } from '../scenarios/server-scale.js';
import type { SingleCallResult } from '../scenarios/single-call.js';
import type { MachineInfo } from './machine-info.js';
import type { SourceState } from './source-state.js';

/** Everything one `pnpm bench` run measured, and the context needed to read it. */
export interface BenchReport {
  readonly command: string;
  readonly quick: boolean;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly machineAtStart: MachineInfo;
  readonly machineAtEnd: MachineInfo;
  readonly source: SourceState;
  readonly connector: { readonly measured: boolean; readonly reason?: string };
  readonly proxmoxer: { readonly version?: string; readonly reason?: string };
  readonly proxmoxApiVersion: string;
  readonly ceiling: CeilingResult;
  readonly singleCall: SingleCallResult;
  readonly fleet: FleetListingResult;
  readonly fanout: FanoutResult;
  readonly server: ServerOverheadResult;
  /** The server holding many targets' guests for several organisations, under mixed load (absent: not run). */
  readonly scale?: ServerScaleResult;
  /** The libvirt connector against one real libvirtd, beside the C binding and virsh. */
  readonly libvirt?: LibvirtScenarioResult;
}
