import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** What `hvc-server demo --json` prints once it listens: its URL, tokens of its seeded users, a target and guest. */
export interface DemoInfo {
  readonly url: string;
  readonly adminToken: string;
  readonly viewerToken: string;
  readonly otherOrgToken: string;
  readonly targetId: string;
  readonly guestId: string;
}

/** A running `hvc-server demo`: its printed line, and a stop that waits for it to exit. */
export interface DemoServer {
  readonly info: DemoInfo;
  stop(): Promise<void>;
}

/** Starts `hvc-server demo --json` from the server package's source on a free port and waits for its line. */
export async function startDemoServer(): Promise<DemoServer> {
  const serverDir = dirname(createRequire(import.meta.url).resolve('@hvc/server/package.json'));
  const server = spawn(
    process.execPath,
    ['--conditions=@hvc/source', '--import', 'tsx', join(serverDir, 'src', 'cli.ts'), 'demo', '--json'],
    {
      cwd: serverDir,
      env: { PATH: process.env.PATH ?? '', HVC_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const stop = async () => {
    if (server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  };
  const info = await new Promise<DemoInfo>((resolve, reject) => {
    let rest = '';
    const output: string[] = [];
    server.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        if (line.startsWith('{"url"')) resolve(JSON.parse(line) as DemoInfo);
      }
    });
    server.stderr.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
    server.once('exit', (code) => reject(new Error(`hvc-server exited with ${code}:\n${output.join('\n')}`)));
  });
  return { info, stop };
}
