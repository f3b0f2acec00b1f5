/** The command-line switches of `pnpm bench`. */
export interface CliOptions {
  /** A short run (under 3 minutes) instead of the full one. */
  readonly quick: boolean;
  /** Print one JSON object with the headline ratios as the last line of output. */
  readonly json: boolean;
  /** Where to write the report; `BENCHMARKS.md` at the repository root by default. */
  readonly out?: string;
}

const USAGE = 'usage: pnpm bench [--quick] [--json] [--out FILE]';

/** Parses the benchmark's arguments; throws with the usage on anything unknown. */
export function parseCliOptions(argv: readonly string[]): CliOptions {
  let quick = false;
  let json = false;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--json') json = true;
    else if (arg === '--out' && argv[i + 1]) out = argv[++i];
    else if (arg === '--') continue;
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  return { quick, json, ...(out === undefined ? {} : { out }) };
}
