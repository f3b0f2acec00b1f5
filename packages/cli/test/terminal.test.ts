import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browse } from './support/browser.js';
import { hvc, startHvc } from './support/hvc-process.js';
import { ADMIN, type HvcStack, ORGANIZATION, pveTargetCreation, startHvcStack } from './support/hvc-stack.js';

// In a pseudo-terminal (`script`), `hvc` draws colours and a live progress bar; NO_COLOR and a pipe turn colours off.

/** The escape character that starts every terminal control sequence. */
const ESC = '\x1b';
/** An SGR escape sequence: a colour or a style. */
const SGR = new RegExp(`${ESC}\\[[0-9;]*m`);
/** Any escape sequence that styles or moves. */
const ANSI = new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g');
const plain = (text: string) => text.replace(ANSI, '');

// Every `hvc` run starts a Node process from source (a second or more on a busy machine): generous timeouts.
let stack: HvcStack;
let home: string;
let env: Record<string, string>;

beforeAll(async () => {
  stack = await startHvcStack();
  home = mkdtempSync(join(tmpdir(), 'hvc-cli-tty-'));
  env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), TERM: 'xterm-256color' };
}, 90_000);

afterAll(async () => {
  await stack?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** Starts `hvc login` in a terminal and resolves with the process and the code and URL it shows. */
async function terminalLogin(extraEnv: Record<string, string> = {}) {
  const login = startHvc(
    ['login', '--server', stack.server, '--org', ORGANIZATION],
    { ...env, ...extraEnv },
    { terminal: true },
  );
  await login.waitFor(/Waiting for approval/);
  const shown = plain(login.stdout());
  const code = /one-time code: (\S+)/.exec(shown)![1]!;
  const page = /Then open (\S+) in a browser/.exec(shown)![1]!;
  return { login, code, page };
}

describe('hvc in a terminal', { timeout: 90_000 }, () => {
  it('shows the device code in colour, and logs in once it is approved', async () => {
    const { login, code, page } = await terminalLogin();
    expect(login.stdout()).toContain(`\x1b[1m${code}\x1b[22m`);
    expect(login.stdout()).toContain(`\x1b[36m${page}\x1b[39m`);
    await browse(page, {
      userCode: code,
      username: ADMIN,
      until: (_url, body) => body.includes('Sign-in Success'),
    });
    const result = await login.result();
    expect(plain(result.stdout)).toContain(`Logged in to ${stack.server} as ${ADMIN}`);
    expect(result.code).toBe(0);
  });

  it('shows no colour with NO_COLOR, even in a terminal', async () => {
    const { login, code } = await terminalLogin({ NO_COLOR: '1' });
    expect(login.stdout()).toContain(`one-time code: ${code}\r\n`);
    expect(login.stdout()).not.toMatch(SGR);
    login.child.kill('SIGTERM');
    await login.result();
  });

  it('draws a live progress bar (percent, phase, elapsed time) while it waits for an operation', async () => {
    const creation = pveTargetCreation(stack, 'pve-1');
    const created = await hvc(creation.args, env, creation.stdin);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);

    const started = await startHvc(['guests', 'start', 'qemu/100', '-t', 'pve-1'], env, {
      terminal: true,
    }).result();
    expect(started.code).toBe(0);
    const screen = started.stdout;
    // The bar: shaded cells in colour, a percent (none reported: --), the phase and the elapsed seconds.
    expect(screen).toMatch(
      new RegExp(`${ESC}\\[36m[█░]{30}${ESC}\\[39m\\s+-- \\| start qemu/100: running \\| \\d+s`),
    );
    expect(screen).toContain('\x1b[?25l'); // the cursor is hidden while it runs…
    expect(screen).toContain('\x1b[?25h'); // …and shown again
    // Then the operation, its status in colour.
    expect(screen).toMatch(new RegExp(`start\\s+qemu/100\\s+${ESC}\\[32msucceeded${ESC}\\[39m`));
  });

  it('draws the bar without colour under NO_COLOR, and prints no escape sequence at all to a pipe', async () => {
    const stopped = await startHvc(
      ['guests', 'stop', 'qemu/100', '-t', 'pve-1'],
      { ...env, NO_COLOR: '1' },
      { terminal: true },
    ).result();
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/[█░]{30}\s+-- \| stop qemu\/100: running \| \d+s/);
    expect(stopped.stdout).not.toMatch(SGR);

    const piped = await hvc(['guests', 'start', 'qemu/100', '-t', 'pve-1'], env);
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe('start qemu/100: running --\nstart qemu/100: succeeded 100%\n');
    expect(piped.stdout + piped.stderr).not.toContain('\x1b');
  });
});
