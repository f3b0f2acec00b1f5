import { describe, expect, it } from 'vitest';
import { hvcProgram } from '../src/program.js';
import { runHvc } from '../src/run-hvc.js';
import { memoryIo } from './support/memory-io.js';

const env = { HVC_CONFIG_DIR: '/nonexistent/hvc' };

/** Every command path of the tree: `['guests']`, `['guests', 'start']`, … (the hidden completion helper aside). */
async function commandPaths(): Promise<string[][]> {
  const paths: string[][] = [];
  const walk = (command: Awaited<ReturnType<typeof hvcProgram>>, path: string[]) => {
    for (const sub of command.commands) {
      if (sub.name() === 'complete') continue;
      paths.push([...path, sub.name()]);
      walk(sub, [...path, sub.name()]);
    }
  };
  walk(await hvcProgram(memoryIo(env).io), []);
  return paths;
}

describe('hvc --help', () => {
  it('groups the commands and ends with examples, the environment and the exit codes', async () => {
    const { io, stdout } = memoryIo(env);
    expect(await runHvc(['--help'], io)).toBe(0);
    const help = stdout();
    expect(help).toMatch(/^Usage: hvc \[options\] <noun> <verb> \[args\]\n/);
    for (const heading of [
      'Log in and choose a server:',
      'Resources:',
      'Shell:',
      'Examples:',
      'Environment:',
    ])
      expect(help).toContain(`\n${heading}\n`);
    for (const noun of [
      'login',
      'logout',
      'context',
      'targets',
      'guests',
      'snapshots',
      'operations',
      'members',
      'completion',
    ])
      expect(help).toMatch(new RegExp(`\\n  ${noun}\\b`));
    expect(help).toContain('Exit codes: 0 ok, 1 error, 2 usage');
  });

  it('describes every command and verb, with the global options under each', async () => {
    const paths = await commandPaths();
    expect(paths.length).toBeGreaterThan(40);
    for (const path of paths) {
      const { io, stdout, stderr } = memoryIo(env);
      expect(await runHvc([...path, '--help'], io), path.join(' ')).toBe(0);
      expect(stderr()).toBe('');
      const [usage, , description] = stdout().split('\n');
      expect(usage).toMatch(new RegExp(`^Usage: hvc ${path.join(' ')}\\b`));
      expect(description, path.join(' ')).toMatch(/^[a-z].{10,}/);
      if (path[0] !== 'help') expect(stdout(), path.join(' ')).toContain('Global Options:\n');
    }
  });

  it('answers a typo with a suggestion and exit code 2', async () => {
    const { io, stderr } = memoryIo(env);
    expect(await runHvc(['guests', 'strat'], io)).toBe(2);
    expect(stderr()).toContain("error: unknown command 'strat'\n(Did you mean start?)");
  });

  it('names a missing required flag, and a bad choice with the choices', async () => {
    const missing = memoryIo(env);
    expect(await runHvc(['guests', 'start', 'qemu/100'], missing.io)).toBe(2);
    expect(missing.stderr()).toContain("error: required option '-t, --target <id>' not specified");
    const bad = memoryIo(env);
    expect(await runHvc(['-o', 'xml', 'targets', 'list'], bad.io)).toBe(2);
    expect(bad.stderr()).toContain('Allowed choices are table, wide, json, yaml.');
  });

  it('says how to pick a server when none is configured', async () => {
    const { io, stdout, stderr } = memoryIo(env);
    expect(await runHvc(['targets', 'list'], io)).toBe(2);
    expect(stdout()).toBe('');
    expect(stderr()).toBe(
      'error: no server: this command needs to know which hvc-server to call\n' +
        'run `hvc login --server URL`, or pass --server URL (or set HVC_SERVER)\n',
    );
  });
});
