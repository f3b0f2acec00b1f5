/** The Node options a bench child needs: TypeScript sources through tsx, workspace sources, and `gc()` exposed. */
const REQUIRED: ReadonlyArray<{
  readonly present: (argv: readonly string[]) => boolean;
  readonly add: string[];
}> = [
  { present: (argv) => argv.includes('--expose-gc'), add: ['--expose-gc'] },
  {
    present: (argv) =>
      argv.includes('--conditions=@hvc/source') ||
      argv.some((arg, i) => arg === '--conditions' && argv[i + 1] === '@hvc/source'),
    add: ['--conditions=@hvc/source'],
  },
  {
    present: (argv) =>
      argv.includes('--import=tsx') || argv.some((arg, i) => arg === '--import' && argv[i + 1] === 'tsx'),
    add: ['--import', 'tsx'],
  },
];

/**
 * This process's Node options (`pnpm bench` runs with `--expose-gc --conditions=@hvc/source --import tsx`, which a
 * forked child inherits) with whichever of those are missing added, so that a child started from elsewhere (a
 * test runner) loads the same way.
 */
export function childExecArgv(parent: readonly string[] = process.execArgv): string[] {
  const argv = [...parent];
  for (const option of REQUIRED) if (!option.present(argv)) argv.push(...option.add);
  return argv;
}
