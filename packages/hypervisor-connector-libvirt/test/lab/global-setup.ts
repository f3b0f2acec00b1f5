import type { TestProject } from 'vitest/node';
import { startLab } from './lab.js';

/**
 * The libvirt project's globalSetup: one lab (two hosts, an sshd) for the whole vitest run, started only when
 * the project has test files to run, its facts handed to every test file (`injectLab()`), stopped at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const lab = await startLab({ hosts: 2, ssh: true });
  project.provide('libvirtLab', lab.facts);
  return () => lab.stop();
}
