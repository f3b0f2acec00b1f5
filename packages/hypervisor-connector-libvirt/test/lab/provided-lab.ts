import { inject } from 'vitest';
import type { LabFacts } from './lab-facts.js';

declare module 'vitest' {
  /** What the libvirt project's globalSetup provides to its test files. */
  export interface ProvidedContext {
    /** The shared lab of this vitest run (see global-setup.ts). */
    libvirtLab: LabFacts;
  }
}

/** The lab the libvirt project's globalSetup started for this run (two hosts and an sshd). */
export function injectLab(): LabFacts {
  return inject('libvirtLab');
}
