import { runBootstrap } from './bootstrap/cli/run-bootstrap.js';
import { runMigrate } from './bootstrap/cli/run-migrate.js';
import { runRotateKey } from './bootstrap/cli/run-rotate-key.js';
import { runServe } from './bootstrap/cli/run-serve.js';
import { untilSignal } from './bootstrap/cli/until-signal.js';
import { ConfigError } from './bootstrap/server-config.js';

const USAGE = `usage: hvc-server <command>

commands:
  serve     serve the API (configuration from HVC_* variables and the HVC_CONFIG file)
  bootstrap --organization <id> [--if-absent]
            create an organisation and its admin service token in the database (no server needed); the token
            is printed once on stdout
  migrate   bring the database schema up to date and exit
  rotate-key  re-encrypt stored credentials from HVC_ENCRYPTION_KEY to HVC_NEW_ENCRYPTION_KEY and exit
  demo      run a self-contained demo on loopback (fake Proxmox VE, dev tokens); --json prints one JSON line
`;

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  switch (command) {
    case 'serve':
      await runServe(process.env);
      return 0;
    case 'demo': {
      // Loaded on demand: the demo brings the PVE fake (and msw), which a production install does not have.
      const { runDemo } = await import('./bootstrap/demo/run-demo.js');
      await runDemo({
        json: argv.includes('--json'),
        env: process.env,
        stdout: process.stdout,
        stderr: process.stderr,
        until: untilSignal(),
      });
      return 0;
    }
    case 'bootstrap':
      await runBootstrap(argv.slice(1), process.env, { stdout: process.stdout, stderr: process.stderr });
      return 0;
    case 'migrate':
      await runMigrate(process.env, process.stdout);
      return 0;
    case 'rotate-key':
      await runRotateKey(process.env, process.stdout);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command: ${command}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`hvc-server: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  },
);
