/** The parts of a V8 `.cpuprofile` the summary reads. */
export interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly columnNumber: number;
    };
  }>;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One function's share of the sampled time spent in its own code. */
export interface SelfTimeLine {
  readonly name: string;
  /** The file (inside the repository, or the package) and column. */
  readonly where: string;
  readonly share: number;
}

function shortUrl(url: string): string {
  const inStore = url.split('node_modules/.pnpm/')[1];
  if (inStore) return inStore.replace(/\/node_modules\//, ': ');
  return url.replace(/^file:\/\/.*?\/(packages|bench)\//, '$1/');
}

/** The functions with the most self time, `(idle)` and `(garbage collector)` included. */
export function topSelfTime(profile: CpuProfile, count: number): SelfTimeLine[] {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const totals = new Map<string, SelfTimeLine & { time: number }>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    all += delta;
    const frame = byNode.get(id);
    if (!frame) return;
    const name = frame.functionName || '(anonymous)';
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.columnNumber + 1}` : '';
    const key = `${name}@${where}`;
    const line = totals.get(key) ?? { name, where, share: 0, time: 0 };
    line.time += delta;
    totals.set(key, line);
  });
  return [...totals.values()]
    .sort((a, b) => b.time - a.time)
    .slice(0, count)
    .map(({ name, where, time }) => ({ name, where, share: all === 0 ? 0 : time / all }));
}
