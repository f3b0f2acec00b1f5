import { describe, expect, it } from 'vitest';
import { hvc } from './support/hvc-process.js';

const env = { HOME: '/nonexistent', HVC_CONFIG_DIR: '/nonexistent/hvc' };

describe('shell completion', { timeout: 60_000 }, () => {
  it('prints a script for bash, zsh and fish that asks `hvc complete --` for each completion', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const { code, stdout } = await hvc(['completion', shell], env);
      expect(code, shell).toBe(0);
      expect(stdout, shell).toContain('hvc complete -- ');
    }
    const bad = await hvc(['completion', 'tcsh'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      "'tcsh' is invalid for argument 'shell'. Allowed choices are zsh, bash, fish, powershell.",
    );
  });

  it('completes verbs, flags and flag choices, with their descriptions', async () => {
    const verbs = await hvc(['complete', '--', 'guests', 'st'], env);
    expect(verbs.stdout).toBe(
      'start\tstart a guest (operator)\nstop\tstop a guest at once, like pulling the plug (operator)\n:4\n',
    );
    const choices = await hvc(['complete', '--', 'guests', 'list', '--state', ''], env);
    expect(choices.stdout.split('\n').map((line) => line.split('\t')[0])).toEqual([
      'running',
      'stopped',
      'paused',
      'suspended',
      ':4',
      '',
    ]);
  });
});
