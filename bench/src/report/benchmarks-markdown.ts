import { ratio, spreadOf } from '../load/stats.js';
import type { ServerCpuPerCall } from '../scenarios/server-overhead.js';
import type { BenchReport } from './bench-report.js';
import { fmt, fmtRatio, fmtShare, table } from './format.js';
import {
  callRatio,
  HEADLINE_CONCURRENCY,
  type JsonSummary,
  SERVER_HEADLINE_CONCURRENCY,
} from './json-summary.js';
import { libvirtSection } from './libvirt-section.js';
import { scaleSection } from './scale-section.js';

const met = (value: number | null, ok: (v: number) => boolean) =>
  value === null ? 'not measured' : ok(value) ? 'yes' : '**no**';

/** `median (min–max)` of a ratio, the spread from the summary's `spreads`. */
const ratioSpread = (summary: JsonSummary, key: string, value: number | null) => {
  const range = summary.spreads[key];
  return range ? `${fmtRatio(value)} (${fmtRatio(range[0])}–${fmtRatio(range[1])})` : fmtRatio(value);
};

/** `median (min–max)` of a run's figures, formatted with `format`. */
const withSpread = (
  value: number | null | undefined,
  range: readonly number[] | null | undefined,
  format: (v: number | null | undefined) => string = fmt,
) =>
  range && range.length === 2 ? `${format(value)} (${format(range[0])}–${format(range[1])})` : format(value);

/** How the tables name a wire protocol of the server scenario. */
const protocolName = (protocol: 'connectJson' | 'grpc') => (protocol === 'grpc' ? 'gRPC' : 'Connect JSON');

function sourceLine(report: BenchReport): string {
  const { commit, modifiedPaths } = report.source;
  if (modifiedPaths.length === 0) return `${commit} (connector and contract as committed)`;
  const shown = modifiedPaths.slice(0, 6).join(', ');
  const more = modifiedPaths.length > 6 ? ` and ${modifiedPaths.length - 6} more` : '';
  return `${commit}, with uncommitted changes in the measured packages: ${shown}${more}`;
}

function header(report: BenchReport): string {
  const m = report.machineAtStart;
  const load = (l: readonly number[]) => l.map((v) => v.toFixed(2)).join(' / ');
  return [
    '# Benchmarks',
    '',
    `Written by \`${report.command}\` (${report.quick ? 'quick run' : 'full run'}) on ${report.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC,`,
    `in ${Math.round((report.finishedAt.getTime() - report.startedAt.getTime()) / 1000)} s. Every number below is a ratio or a`,
    'measurement from this one run, clients side by side against the same loopback responder: the machine is shared and',
    'noisy, so absolute numbers drift between runs while the ratios hold. Reproduce with the command above',
    '(`pnpm bench --quick` for a short run, `--json` to print the headline numbers as JSON last).',
    '',
    table(
      ['machine', ''],
      [
        ['cores', `${m.cores} (${m.cpuModel})`],
        ['memory', `${m.memoryGiB} GiB`],
        ['Node.js', m.node],
        ['load average (1/5/15 min) at start', load(m.loadAverage)],
        ['load average (1/5/15 min) at end', load(report.machineAtEnd.loadAverage)],
        ['proxmox-api (npm)', report.proxmoxApiVersion],
        [
          'proxmoxer (Debian python3-proxmoxer)',
          report.proxmoxer.version ?? `not measured: ${report.proxmoxer.reason}`,
        ],
        [
          'hvc connector',
          report.connector.measured ? 'measured' : `not measured: ${report.connector.reason}`,
        ],
        ['commit', sourceLine(report)],
      ],
    ),
  ].join('\n');
}

function targets(summary: JsonSummary): string {
  return [
    '## Targets',
    '',
    table(
      ['target', 'goal', 'this run', 'met'],
      [
        [
          `getGuest at concurrency ${HEADLINE_CONCURRENCY} vs raw undici`,
          '>= 0.85x',
          ratioSpread(summary, 'getGuestVsRawUndici', summary.getGuestVsRawUndici),
          met(summary.getGuestVsRawUndici, (v) => v >= 0.85),
        ],
        [
          `getGuest at concurrency ${HEADLINE_CONCURRENCY} vs proxmox-api`,
          '>= 3x',
          ratioSpread(summary, 'getGuestVsProxmoxApi', summary.getGuestVsProxmoxApi),
          met(summary.getGuestVsProxmoxApi, (v) => v >= 3),
        ],
        [
          'listGuests (5,000 guests) at concurrency 1 vs raw undici',
          '>= 0.91x (within 1.1x)',
          ratioSpread(summary, 'listGuestsVsRawUndiciC1', summary.listGuestsVsRawUndici.c1),
          met(summary.listGuestsVsRawUndici.c1, (v) => v >= 1 / 1.1),
        ],
        [
          'listGuests (5,000 guests) at concurrency 32 vs raw undici',
          '>= 0.91x (within 1.1x)',
          ratioSpread(summary, 'listGuestsVsRawUndiciC32', summary.listGuestsVsRawUndici.c32),
          met(summary.listGuestsVsRawUndici.c32, (v) => v >= 1 / 1.1),
        ],
        ...(['c1', 'c32'] as const).flatMap((c) => [
          [
            `listGuests at concurrency ${c.slice(1)} vs proxmox-api`,
            '> 1x',
            ratioSpread(
              summary,
              `listGuestsVsProxmoxApi${c.toUpperCase()}`,
              summary.listGuestsVsProxmoxApi[c],
            ),
            met(summary.listGuestsVsProxmoxApi[c], (v) => v > 1),
          ],
          [
            `listGuests at concurrency ${c.slice(1)} vs proxmoxer`,
            '> 1x',
            ratioSpread(summary, `listGuestsVsProxmoxer${c.toUpperCase()}`, summary.listGuestsVsProxmoxer[c]),
            met(summary.listGuestsVsProxmoxer[c], (v) => v > 1),
          ],
        ]),
        [
          'fleet listing of 10,000 guests, wall time vs raw undici (one call + JSON.parse)',
          '<= 1.1x',
          ratioSpread(summary, 'fleetListTimeVsRawUndici', summary.fleetListTimeVsRawUndici),
          met(summary.fleetListTimeVsRawUndici, (v) => v <= 1.1),
        ],
        [
          'fleet listing of 10,000 guests, memory growth (V8 heap + external) vs raw undici (one call + JSON.parse)',
          '<= 1.5x',
          ratioSpread(summary, 'fleetListHeapVsRawUndici', summary.fleetListHeapVsRawUndici),
          met(summary.fleetListHeapVsRawUndici, (v) => v <= 1.5),
        ],
        [
          'fleet listing of 10,000 guests, wall time',
          '< 250 ms',
          `${withSpread(summary.fleetListMs, summary.spreads.fleetListMs)} ms`,
          met(summary.fleetListMs, (v) => v < 250),
        ],
        [
          'fleet listing of 10,000 guests, memory growth (V8 heap + external)',
          '< 60 MB',
          `${withSpread(summary.fleetListHeapMB, summary.spreads.fleetListHeapMB)} MB`,
          met(summary.fleetListHeapMB, (v) => v < 60),
        ],
        [
          'fan-out of 1,000 operations, wall time vs the 2 s ideal',
          '<= 1.2x',
          ratioSpread(summary, 'fanoutVsIdeal', summary.fanoutVsIdeal),
          met(summary.fanoutVsIdeal, (v) => v <= 1.2),
        ],
        [
          'fan-out, polls per operation (status polls + task-list reads)',
          '<= 3',
          fmt(summary.pollsPerOperation, 2),
          met(summary.pollsPerOperation, (v) => v <= 3),
        ],
        [
          `server: Connect JSON GetGuest vs direct library call, concurrency ${SERVER_HEADLINE_CONCURRENCY}`,
          '>= 0.5x',
          fmtRatio(summary.serverConnectVsDirect),
          met(summary.serverConnectVsDirect, (v) => v >= 0.5),
        ],
        ...(['connectJson', 'grpc'] as const).map((protocol) => [
          `server: CPU per GetGuest vs a bare ConnectRPC handler answering from memory (for comparison: the server reads the hypervisor, the handler does not; see the notes), ${protocolName(protocol)}, concurrency ${SERVER_HEADLINE_CONCURRENCY}`,
          '<= 2x as first set',
          fmtRatio(summary.serverCpuVsBareConnect[protocol]),
          met(summary.serverCpuVsBareConnect[protocol], (v) => v <= 2),
        ]),
        ...(['connectJson', 'grpc'] as const).map((protocol) => [
          `server, memory target (its own layers, no hypervisor read): CPU per GetGuest vs the bare handler, ${protocolName(protocol)}, concurrency ${SERVER_HEADLINE_CONCURRENCY}`,
          '<= 2x',
          fmtRatio(summary.serverOwnCpuVsBareConnect[protocol]),
          met(summary.serverOwnCpuVsBareConnect[protocol], (v) => v <= 2),
        ]),
        ...(['connectJson', 'grpc'] as const).map((protocol) => [
          `server, Proxmox target (its layers on a hypervisor read): CPU per GetGuest vs the bare handler making the same connector read, ${protocolName(protocol)}, concurrency ${SERVER_HEADLINE_CONCURRENCY}`,
          '<= 2x',
          fmtRatio(summary.serverCpuVsBareRead[protocol]),
          met(summary.serverCpuVsBareRead[protocol], (v) => v <= 2),
        ]),
      ],
    ),
  ].join('\n');
}

function responder(report: BenchReport): string {
  const { ceiling } = report;
  return [
    '## 1. The responder',
    '',
    'A loopback `node:https` server in its own process (keep-alive, a self-signed P-256 certificate that every client',
    'trusts as its CA, bodies serialised once into Buffers, routing by one `Map` lookup), answering PVE paths with bodies',
    'the size of real PVE 8 answers. Its ceiling, measured with raw undici reading and discarding bodies on',
    `${ceiling.concurrency} sockets:`,
    '',
    table(
      ['body', 'bytes', 'req/s', 'responder CPU (of one core)', 'ceiling estimate (req/s on a whole core)'],
      ceiling.lines.map((line) => [
        line.body,
        fmt(line.bodyBytes, 0),
        fmt(line.perSecond),
        fmtShare(line.responderCpuShare),
        fmt(line.ceilingPerSecond),
      ]),
    ),
    '',
    'Reading: the client core saturates before the responder does (its CPU share stays under one core), so the',
    'responder is not what limits the client numbers below; each table also shows the responder CPU while each client ran.',
  ].join('\n');
}

function singleCall(report: BenchReport): string {
  const parts = [
    '## 2. Single-call overhead',
    '',
    `A responder with ${report.singleCall.guests.toLocaleString('en-US')} guests on ${report.singleCall.nodes} nodes.`,
    "`getGuest` reads a guest's `status/current` and `pending` (its config with the changes pending) side by side (the two requests hvc makes; every client",
    'makes the same two, cycling over 40 guests); `listGuests` reads `/cluster/resources?type=vm` (≈1.6 MB; hvc reads it',
    'without `type`: the same guests and the node entries that tell guests of a node that is down, in one request).',
    "raw undici is `request` + `JSON.parse` on a keep-alive pool, no validation: the wire's limit. hvc and raw undici",
    'get two sockets per caller (hvc as its `concurrency` cap), proxmox-api its default agent. hvc, raw undici and',
    'proxmox-api each run in a Node process of their own (as a user links one client), their runs interleaved (order',
    'rotated each run); proxmoxer runs in its own Python process right after (threads at concurrency 32, one session',
    'each). Medians of the runs.',
  ];
  for (const one of report.singleCall.cases) {
    parts.push(
      '',
      `### ${one.call} at concurrency ${one.concurrency}`,
      '',
      table(
        [
          'client',
          'calls/s (min–max)',
          'hvc / client (rounds min–max)',
          'p50 ms',
          'p99 ms',
          'requests / call',
          'responder CPU',
          'note',
        ],
        one.clients.map((client) => [
          client.label,
          withSpread(client.perSecond, client.perSecondRange),
          client.label === 'hvc'
            ? '1'
            : (() => {
                const paired = callRatio(report, one.call, one.concurrency, client.label);
                return withSpread(paired.median, paired.range, fmtRatio);
              })(),
          fmt(client.p50Ms, 2),
          fmt(client.p99Ms, 2),
          fmt(client.requestsPerCall, 2),
          fmtShare(client.responderCpuShare),
          client.note ?? '',
        ]),
      ),
    );
  }
  return parts.join('\n');
}

function fleet(report: BenchReport): string {
  const { fleet } = report;
  const ours = fleet.lines.find((line) => line.label.startsWith('hvc'));
  return [
    '## 3. Fleet listing',
    '',
    `${fleet.guests.toLocaleString('en-US')} guests on ${fleet.nodes} nodes. hvc lists them with one \`/cluster/resources\``,
    "call, validated and mapped to the contract's `Guest`; clients without a cluster-wide listing need `/nodes` and then",
    `\`/nodes/{n}/qemu\` + \`/lxc\` for every node. hvc and raw undici use ${fleet.connections} connections (the connector's`,
    'default per-target cap), proxmox-api its default agent. Each listing runs in a Node process of its own. Memory',
    'growth: the highest V8 heap plus external memory (`heapUsed + external`: array buffers, strings kept outside the',
    'heap) sampled every 2 ms in that process after a full GC, the result still held. Runs are interleaved: in each',
    'round hvc and the raw single call run first (each first in every other round), then the per-node lines. Medians',
    'of the runs.',
    '',
    table(
      ['listing', 'requests', 'wall ms (min–max)', 'vs hvc', 'heap + external growth MB (min–max)', 'note'],
      fleet.lines.map((line) => [
        line.label,
        fmt(line.requests, 0),
        withSpread(line.wallMs, spreadOf(line.wallMsRuns ?? []).range),
        line === ours ? '1' : fmtRatio(ratio(line.wallMs, ours?.wallMs)),
        withSpread(line.heapGrowthMB, spreadOf(line.heapGrowthMBRuns ?? []).range),
        line.note ?? '',
      ]),
    ),
  ].join('\n');
}

function fanout(report: BenchReport): string {
  const { fanout } = report;
  return [
    '## 4. Operation fan-out',
    '',
    `${fanout.operations.toLocaleString('en-US')} concurrent \`startGuest\` + \`waitForOperation\`; every task runs`,
    `${fanout.taskDurationMs / 1000} s, so ${fanout.taskDurationMs / 1000} s is the ideal wall time. Both clients run with a per-target cap of`,
    `${fanout.concurrencyCap} requests in flight (the connector's default); the responder counts the sockets, the most`,
    "requests it saw in flight and the status polls per task; polls per operation add every read of a node's task list",
    "(hvc reads a node's task list, running and ended tasks, once for all the waits on it and takes an ended task's",
    "outcome from its exit status there, with no status call; the count includes the starts' precondition reads). End",
    "seen after is the delay from a task's end to the first status poll or task list that showed it ended.",
    'The baseline polls at once and then every second, as',
    "the peer clients' task helpers do. hvc's connector is fresh each run, its guest locations cached by one listing",
    'before the timer.',
    '',
    table(
      [
        'client',
        'wall ms (min–max)',
        'vs ideal',
        'polls / operation (of which status polls)',
        'requests / operation',
        'last start after (ms)',
        'sockets opened',
        'max in flight',
        'end seen after (median ms)',
        'note',
      ],
      fanout.lines.map((line) => [
        line.label,
        withSpread(line.wallMs, line.wallMsRange),
        fmtRatio(line.vsIdeal),
        `${fmt(line.pollsPerOperation, 2)} (${fmt(line.statusPollsPerOperation, 2)})`,
        fmt(line.requestsPerOperation, 2),
        fmt(line.startSpreadMs),
        fmt(line.socketsOpened, 0),
        fmt(line.maxInFlight, 0),
        fmt(line.detectionLagMs),
        line.note ?? '',
      ]),
    ),
  ].join('\n');
}

function server(report: BenchReport): string {
  const result = report.server;
  const parts = ['## 5. Server overhead', ''];
  if ('unavailable' in result) return [...parts, `Not measured: ${result.unavailable}`].join('\n');
  parts.push(
    result.description ??
      'hvc-server called with `@connectrpc/connect-node` clients (Connect JSON and gRPC), each call authenticated with a bearer JWT, vs the same `getGuest` through the connector. Medians of the runs, interleaved.',
  );
  for (const one of result.cases) {
    const direct = one.clients.find((client) => client.label === 'direct library call')?.perSecond ?? null;
    parts.push(
      '',
      `### GetGuest at concurrency ${one.concurrency}`,
      '',
      table(
        ['way', 'calls/s', 'vs direct', 'p50 ms', 'p99 ms', 'hypervisor requests / call', 'note'],
        one.clients.map((client) => [
          client.label,
          fmt(client.perSecond),
          fmtRatio(ratio(client.perSecond, direct)),
          fmt(client.p50Ms, 2),
          fmt(client.p99Ms, 2),
          fmt(client.requestsPerCall, 2),
          client.note ?? '',
        ]),
      ),
    );
  }
  parts.push(
    '',
    table(
      ['per request, measured alone', 'µs'],
      [
        [
          "JWT check of a token seen before (the dev issuer's ES256 token; a token's first call pays the signature verification)",
          fmt(result.jwtVerifyMicros),
        ],
        ['user lookup by (issuer, subject) in SQLite', fmt(result.userLookupMicros)],
      ],
    ),
  );
  const cpuRows = (rows: readonly ServerCpuPerCall[]) =>
    rows.map((one) => [
      one.label,
      String(one.concurrency),
      fmt(one.micros),
      one.range ? `${fmt(one.range[0])}–${fmt(one.range[1])}` : '',
    ]);
  const cpu = result.serverCpuMicrosPerCall ?? [];
  if (cpu.length > 0) {
    parts.push('', table(['server process CPU per call', 'concurrency', 'µs', 'min–max'], cpuRows(cpu)));
  }
  const direct = result.directCpuMicrosPerCall ?? [];
  if (direct.length > 0) {
    parts.push(
      '',
      table(
        [
          'bench process CPU per call (the two Proxmox reads, outside the server)',
          'concurrency',
          'µs',
          'min–max',
        ],
        cpuRows(direct),
      ),
    );
  }
  const vsBare = result.serverCpuVsBareConnect;
  if (vsBare) {
    const own = result.serverOwnCpuVsBareConnect;
    const read = result.serverCpuVsBareRead;
    const rows = (target: string, ratios: typeof vsBare | undefined) =>
      (['connectJson', 'grpc'] as const).map((protocol) => {
        const one = ratios?.[protocol];
        return [
          `${protocolName(protocol)}, ${target}`,
          fmtRatio(one?.median),
          one ? `${fmtRatio(one.range[0])}–${fmtRatio(one.range[1])}` : '',
        ];
      });
    parts.push(
      '',
      table(
        [
          `server CPU per call / bare ConnectRPC's, concurrency ${SERVER_HEADLINE_CONCURRENCY}`,
          'median',
          'min–max',
        ],
        [
          ...rows('Proxmox target (two HTTPS reads per call)', vsBare),
          ...rows('memory target (no hypervisor read)', own),
          ...rows('Proxmox target, against the bare handler making the same read', read),
        ],
      ),
    );
  }
  return parts.join('\n');
}

/** The soak's last recorded result (issue 9), taken from the summary of `packages/server/soak/RESULTS.md`. */
function soak(results: string | undefined): string {
  const parts = ['## Soak: 200 clients for 5 minutes against the demo stack', ''];
  const summary = results?.split('\n## ')[0]?.split('\n').slice(1).join('\n').trim();
  if (!summary) return [...parts, 'No soak result recorded yet: run `pnpm soak`.'].join('\n');
  return [
    ...parts,
    '`pnpm soak` (`packages/server/soak/`, loopback only, stops by itself) writes',
    '[packages/server/soak/RESULTS.md](packages/server/soak/RESULTS.md); its last recorded result:',
    '',
    summary,
  ].join('\n');
}

/** Renders `BENCHMARKS.md`: machine and command, the targets, one table per scenario, then the reading notes. */
export function renderBenchmarksMarkdown(
  report: BenchReport,
  summary: JsonSummary,
  reading: string,
  soakResults?: string,
): string {
  return `${[
    header(report),
    targets(summary),
    responder(report),
    singleCall(report),
    fleet(report),
    fanout(report),
    server(report),
    scaleSection(report.scale),
    libvirtSection(report.libvirt),
    reading.trim(),
    soak(soakResults),
    [
      '## Headline numbers (`--json`)',
      '',
      `Ratios are hvc / the other, same run: the \`getGuest\` ones at concurrency ${HEADLINE_CONCURRENCY}, the server ones at`,
      `concurrency ${SERVER_HEADLINE_CONCURRENCY}; \`null\` where a side was not measured.`,
      '',
      '```json',
      JSON.stringify(summary, null, 2),
      '```',
    ].join('\n'),
  ].join('\n\n')}\n`;
}
