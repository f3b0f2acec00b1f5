// A module hook that prints every URL the process resolves, one per line, to stdout: what a module graph holds.
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  process.stdout.write(`resolved ${result.url}\n`);
  return result;
}
