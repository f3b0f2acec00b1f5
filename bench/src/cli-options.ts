/** The scenarios `pnpm bench` can run, in the order it runs them. */
export const SCENARIOS = ['ceiling', 'single-call', 'fleet', 'fanout', 'server', 'scale', 'libvirt'] as const;

/** One scenario's name, as `--only` takes it. */
export type ScenarioName = (typeof SCENARIOS)[number];

/** The command-line switches of `pnpm bench`. */
export interface CliOptions {
  /** A short run (under 3 minutes) instead of the full one. */
  readonly quick: boolean;
  /** Print one JSON object with the headline ratios as the last line of output. */
  readonly json: boolean;
  /** Where to write the report; `BENCHMARKS.md` at the repository root by default. */
  readonly out?: string;
  /** Only these scenarios (`--only fleet,fanout`); then the report is written only with `--out`. */
  readonly only?: readonly ScenarioName[];
}

const USAGE = `usage: pnpm bench [--quick] [--json] [--out FILE] [--only ${SCENARIOS.join(',')}]`;

/** Parses the benchmark's arguments; throws with the usage on anything unknown. */
export function parseCliOptions(argv: readonly string[]): CliOptions {
  let quick = false;
  let json = false;
  let out: string | undefined;
  let only: ScenarioName[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--json') json = true;
    else if (arg === '--out' && argv[i + 1]) out = argv[++i];
    else if (arg === '--only' && argv[i + 1]) only = parseScenarios(argv[++i] as string);
    else if (arg === '--') continue;
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  return { quick, json, ...(out === undefined ? {} : { out }), ...(only === undefined ? {} : { only }) };
}

function parseScenarios(list: string): ScenarioName[] {
  const names = list.split(',').filter((name) => name.length > 0);
  const unknown = names.filter((name) => !(SCENARIOS as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(`unknown scenario ${unknown.join(',') || '(none)'}\n${USAGE}`);
  }
  return names as ScenarioName[];
}
