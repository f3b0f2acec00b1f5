import type { ServerScaleResult } from '../scenarios/server-scale.js';
import { fmt, table } from './format.js';

const TITLE = '## 6. Scale: many targets and organisations under WatchOperation streams';

/** The scale scenario's section of `BENCHMARKS.md`. */
export function scaleSection(result: ServerScaleResult | undefined): string {
  const parts = [TITLE, ''];
  if (result === undefined) return [...parts, 'Not run (`--only`).'].join('\n');
  if ('unavailable' in result) return [...parts, `Not measured: ${result.unavailable}`].join('\n');
  const { shape, memory } = result;
  parts.push(
    [
      `hvc-server in its own process holding ${result.guests.toLocaleString('en-US')} guests: ${result.targets}`,
      `Proxmox targets of ${shape.guestsPerTarget.toLocaleString('en-US')} guests each, in ${shape.organisations}`,
      `organisations (${shape.targetsPerOrganisation} targets and one operator each). The targets all point at one`,
      'responder process (each target has its own connector, credentials resolved and access checked per call as for',
      `any target). While ${shape.watchStreams} loops each start a stopped guest and follow its operation with`,
      `WatchOperation (gRPC, server streaming; tasks of ${shape.taskDurationMs / 1000} s) until it ends,`,
      `${shape.getGuestCallers} closed-loop callers read GetGuest and ${shape.listGuestsCallers} read ListGuests (the`,
      'first page of 100; the server lists the whole target) over Connect JSON, each call with one of the',
      `organisations' tokens on one of its targets, in turn. ${shape.windows} windows of ${shape.windowMs / 1000} s`,
      `after ${shape.warmupMs / 1000} s of warm-up; medians over the windows, min–max in brackets. RSS is the server`,
      "process's, sampled every 250 ms. Reproduce alone with `pnpm bench --quick --only scale --json` (or without",
      '`--quick` for the full size).',
    ].join(' '),
    '',
    table(
      ['RPC', 'calls/s', 'p50 ms', 'p99 ms (min–max)', 'failed calls'],
      result.lines.map((line) => [
        line.rpc,
        fmt(line.perSecond),
        fmt(line.p50Ms, 2),
        `${fmt(line.p99Ms, 2)} (${fmt(line.p99MsRange[0], 2)}–${fmt(line.p99MsRange[1], 2)})`,
        line.errors === 0 ? '0' : `${line.errors}; first: ${line.firstError ?? ''}`,
      ]),
    ),
    '',
    table(
      ['server process', 'MiB'],
      [
        ['RSS after set-up and one listing of every target, before the load', fmt(memory.rssBeforeMB)],
        [
          'RSS, highest sample per window (min–max)',
          `${fmt(memory.rssPeakMB)} (${fmt(memory.rssPeakRangeMB[0])}–${fmt(memory.rssPeakRangeMB[1])})`,
        ],
        ['V8 heap in use, highest sample', fmt(memory.heapUsedPeakMB)],
        ['RSS once the load stopped', fmt(memory.rssAfterMB)],
      ],
    ),
    '',
    `WatchOperation streams that saw their operation end: ${result.watchesCompleted}; failed: ${result.watchErrors}` +
      (result.firstWatchError ? ` (first: ${result.firstWatchError})` : '') +
      '.',
  );
  return parts.join('\n');
}
