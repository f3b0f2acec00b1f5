import { cpus, loadavg, totalmem } from 'node:os';

/** The machine a run happened on, and how busy it was. */
export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  /** 1, 5 and 15 minute load averages. */
  readonly loadAverage: readonly [number, number, number];
}

/** Reads the machine's cores, CPU model, memory, Node version and current load average. */
export function machineInfo(): MachineInfo {
  const list = cpus();
  const [one, five, fifteen] = loadavg() as [number, number, number];
  return {
    cores: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverage: [one, five, fifteen],
  };
}
