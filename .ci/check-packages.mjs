// Packs every publishable package and checks it from a scratch project outside the workspace, installed from the
// tarballs alone: every entry point loads with `import` and with `require`, its types resolve for an ESM and a CJS
// consumer under a strict `tsc`, no published manifest carries the workspace's internal `@hvc/source` condition, each
// bin answers `--help` as installed, and each README's `## Example` runs as an ES module and as CommonJS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
// Entry points whose module graph needs a peer the scratch project does not install (vitest) are resolved only.
const needsPeer = new Set(['@hvc/hypervisor-connector-conformance']);

const packages = readdirSync(join(root, 'packages'))
  .map((dir) => ({
    dir,
    manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')),
  }))
  .filter(({ manifest }) => !manifest.private);

/** An exports map without the workspace-only `@hvc/source` condition. */
function withoutSourceCondition(value) {
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== '@hvc/source')
      .map(([key, member]) => [key, withoutSourceCondition(member)]),
  );
}

/**
 * A README example as a CommonJS module: its imports stay at the top and the rest runs in an async function, as
 * CommonJS has no top-level await; esbuild (tsx's own compiler) then turns the imports into `require` calls, which
 * resolve through the `require` condition, and plain `node` runs it (no loader hooks between it and `require`). It
 * first proves it is CommonJS, so an ESM run can never pass for it.
 */
function asCommonJs(code) {
  const imports = code.match(/^import\b[\s\S]*?['"];$/gm) ?? [];
  const body = imports.reduce((rest, statement) => rest.replace(statement, ''), code);
  return [
    ...imports,
    "if (typeof module === 'undefined' || typeof require !== 'function') throw new Error('not CommonJS');",
    '(async () => {',
    body,
    '})().catch((error) => {',
    '  console.error(error);',
    '  process.exitCode = 1;',
    '});',
    '',
  ].join('\n');
}

const scratch = mkdtempSync(join(tmpdir(), 'hvc-packages-'));
let failures = 0;
const failed = (what, error) => {
  failures++;
  console.error(`FAIL ${what}: ${error?.stderr?.toString().trim() || error?.message || error}`);
};
try {
  const entries = [];
  const examples = [];
  for (const { dir, manifest } of packages) {
    execFileSync('pnpm', ['pack', '--pack-destination', scratch], {
      cwd: join(root, 'packages', dir),
      stdio: 'ignore',
    });
    for (const subpath of Object.keys(manifest.exports)) {
      if (subpath !== './package.json') entries.push({ name: manifest.name, subpath });
    }
    const readme = readFileSync(join(root, 'packages', dir, 'README.md'), 'utf8');
    // The first ts block of the `## Example` section, after any prose that introduces it.
    const example = /^## Example\n(?:(?!^## )[\s\S])*?^```ts\n([\s\S]*?)^```/m.exec(readme);
    if (example) examples.push({ name: manifest.name, code: example[1] });
    else failed(`${manifest.name} README`, 'no "## Example" section with a ts block');
  }
  const tarballs = readdirSync(scratch).filter((f) => f.endsWith('.tgz'));
  const bins = [];
  for (const tarball of tarballs) {
    const packed = JSON.parse(
      execFileSync('tar', ['-xOzf', join(scratch, tarball), 'package/package.json'], { encoding: 'utf8' }),
    );
    const source = packages.find(({ manifest }) => manifest.name === packed.name).manifest;
    // `publishConfig.exports` must be the workspace's exports without the internal `@hvc/source` condition.
    if (JSON.stringify(packed.exports) !== JSON.stringify(withoutSourceCondition(source.exports))) {
      failed(`${packed.name} manifest`, 'the published exports are not the exports without @hvc/source');
    }
    for (const bin of Object.keys(packed.bin ?? {})) bins.push({ name: packed.name, bin });
  }
  writeFileSync(
    join(scratch, 'package.json'),
    JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
  );
  // tsx runs the TypeScript examples, vitest those that register tests; everything else comes from the tarballs.
  execFileSync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      'tsx@4',
      'vitest@4',
      'typescript@~5.9.3',
      '@types/node@^20.19.0',
      ...tarballs.map((t) => `./${t}`),
    ],
    { cwd: scratch, stdio: 'inherit' },
  );

  for (const { name, subpath } of entries) {
    const specifier = subpath === '.' ? name : `${name}/${subpath.slice(2)}`;
    const resolveOnly = needsPeer.has(specifier);
    const esm = resolveOnly
      ? `import.meta.resolve(${JSON.stringify(specifier)})`
      : `Object.keys(await import(${JSON.stringify(specifier)})).length`;
    const cjs = resolveOnly
      ? `require.resolve(${JSON.stringify(specifier)})`
      : `Object.keys(require(${JSON.stringify(specifier)})).length`;
    for (const [kind, args] of [
      ['import', ['--input-type=module', '-e', `console.log(${esm})`]],
      ['require', ['--input-type=commonjs', '-e', `console.log(${cjs})`]],
    ]) {
      try {
        const out = execFileSync('node', args, { cwd: scratch, encoding: 'utf8', stdio: 'pipe' }).trim();
        console.log(`ok   ${kind.padEnd(7)} ${specifier} -> ${resolveOnly ? 'resolves' : `${out} exports`}`);
      } catch (error) {
        failed(`${kind} ${specifier}`, error);
      }
    }
  }

  // Each bin as npm installed it (its shebang, its module format, its dependencies from the tarballs) prints its usage.
  for (const { name, bin } of bins) {
    try {
      const out = execFileSync(join(scratch, 'node_modules', '.bin', bin), ['--help'], {
        cwd: scratch,
        encoding: 'utf8',
        stdio: 'pipe',
        timeout: 60_000,
      });
      if (!/usage/i.test(out)) throw new Error(`no usage in its --help output:\n${out}`);
      console.log(`ok   bin     ${bin} --help (${name})`);
    } catch (error) {
      failed(`${bin} --help`, error);
    }
  }

  // A strict consumer in each module system: every entry's types resolve through the published exports and load.
  const ident = (specifier) => `m_${specifier.replace(/[^a-z0-9]/gi, '_')}`;
  const specifiers = entries.map(({ name, subpath }) =>
    subpath === '.' ? name : `${name}/${subpath.slice(2)}`,
  );
  writeFileSync(
    join(scratch, 'consumer.mts'),
    specifiers.map((s) => `import * as ${ident(s)} from '${s}';\nvoid ${ident(s)};\n`).join(''),
  );
  writeFileSync(
    join(scratch, 'consumer.cts'),
    specifiers.map((s) => `import ${ident(s)} = require('${s}');\nvoid ${ident(s)};\n`).join(''),
  );
  writeFileSync(
    join(scratch, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        types: ['node'],
        skipLibCheck: false,
      },
      files: ['consumer.mts', 'consumer.cts'],
    }),
  );
  try {
    execFileSync(join(scratch, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], {
      cwd: scratch,
      stdio: 'pipe',
    });
    console.log(`ok   tsc --strict over an ESM and a CJS consumer of ${specifiers.length} entries`);
  } catch (error) {
    failed('strict tsc over the consumers', { message: error.stdout?.toString() || error.message });
  }

  // esbuild comes with tsx: the compiler tsx runs the ESM examples with.
  const esbuild = createRequire(join(scratch, 'package.json'))('esbuild');
  const commonJs = (text) =>
    esbuild.transformSync(text, { loader: 'ts', format: 'cjs', target: 'node20' }).code;
  const bin = (name) => join(scratch, 'node_modules', '.bin', name);
  for (const { name, code } of examples) {
    // An example that registers vitest tests (the conformance suite) runs as a test file under vitest.
    const isTest = /from 'vitest'|describeConformance/.test(code);
    const base = join(scratch, `example-${name.replace(/[@/]/g, '_')}`);
    // vitest loads every test file as an ES module, so a suite that registers tests has no CommonJS form to run.
    if (isTest)
      console.log(`n/a  example cjs ${name}: a vitest suite (vitest loads test files as ES modules)`);
    const systems = [['esm', `${base}${isTest ? '.test.ts' : '.mts'}`, code]];
    if (!isTest) systems.push(['cjs', `${base}.cjs`, commonJs(asCommonJs(code))]);
    for (const [system, file, text] of systems) {
      writeFileSync(file, text);
      const [command, args] = isTest
        ? [bin('vitest'), ['run', file]]
        : system === 'cjs'
          ? [process.execPath, [file]]
          : [bin('tsx'), [file]];
      try {
        execFileSync(command, args, {
          cwd: scratch,
          stdio: 'pipe',
          timeout: 300_000,
        });
        console.log(`ok   example ${system} ${name}`);
      } catch (error) {
        failed(`README example of ${name} (${system})`, error);
      }
    }
  }
  if (failures > 0) process.exit(1);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
