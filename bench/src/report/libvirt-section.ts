import { C_BINDING, type LibvirtScenarioResult } from '../libvirt/libvirt-scenario.js';
import { ratio } from '../load/stats.js';
import type { ClientMeasurement } from '../scenarios/measured-client.js';
import { fmt, fmtRatio, table } from './format.js';

/** `median (min–max)`, or the median alone when there is no range. */
const withRange = (median: string, range: readonly string[] | null) =>
  range === null ? median : `${median} (${range[0]}–${range[1]})`;

/**
 * hvc's calls/s over the C binding's: the ratio of the medians, and the widest spread the runs allow (hvc's slowest
 * run over the binding's fastest, hvc's fastest over the binding's slowest).
 */
function ratioWithSpread(hvc: ClientMeasurement, c: ClientMeasurement | undefined): string {
  const median = fmtRatio(ratio(hvc.perSecond, c?.perSecond));
  const [hvcMin, hvcMax] = hvc.perSecondRange ?? [];
  const [cMin, cMax] = c?.perSecondRange ?? [];
  if (hvcMin === undefined || hvcMax === undefined || cMin === undefined || cMax === undefined) return median;
  return withRange(median, [fmtRatio(ratio(hvcMin, cMax)), fmtRatio(ratio(hvcMax, cMin))]);
}

/** The `## libvirt` section of BENCHMARKS.md. */
export function libvirtSection(result: LibvirtScenarioResult | undefined): string {
  const title = '## libvirt: the connector vs the C binding and virsh';
  if (result === undefined || !result.measured) {
    return [title, '', `Not measured: ${result?.reason ?? 'the scenario did not run'}.`].join('\n');
  }
  const rows = result.cases.flatMap((one) => {
    const c = one.clients.find((client) => client.label === C_BINDING);
    return one.clients.map((client) => [
      one.call,
      String(one.concurrency),
      client.label,
      withRange(fmt(client.perSecond), client.perSecondRange?.map((v) => fmt(v)) ?? null),
      fmt(client.p50Ms, 2),
      fmt(client.p99Ms, 2),
      client.label === 'hvc' ? ratioWithSpread(client, c) : '',
      client.note ?? '',
    ]);
  });
  const { hvc, python } = result.eventDelay;
  const delayRow = (label: string, delay: typeof hvc) => [
    label,
    String(delay.samples),
    fmt(delay.p50Ms, 2),
    fmt(delay.p95Ms, 2),
    fmt(delay.maxMs, 2),
    delay.note ??
      (delay.ahead ? `${delay.ahead} waits ended before the event reached the listener (0 ms)` : ''),
  ];
  return [
    title,
    '',
    `One real libvirtd ${result.libvirtVersion} (the libvirt package's test lab, QEMU TCG) with ${result.domains} defined`,
    `domains, every client over ${result.uri}, closed loops as above. The calls are the same remote procedures on`,
    'every side: `listGuests` is the bulk stats call for every domain and its state, then each domain’s XML, parsed;',
    '`getGuest` is one domain’s XML and state (the connector sends both at once, the synchronous binding one after the',
    `other). libvirt-python ${result.python.version ?? `not measured: ${result.python.reason}`} shares one connection`,
    'between its threads; virsh runs one process per call with its commands on stdin.',
    '',
    table(
      [
        'call',
        'concurrency',
        'client',
        'calls/s (runs’ min–max)',
        'p50 ms',
        'p99 ms',
        'hvc / C (spread)',
        'note',
      ],
      rows,
    ),
    '',
    'From a domain event to the end of a wait on the operation it completes: the connector waits on another',
    'instance’s suspend or resume by id (judged from libvirt’s state, woken by the lifecycle event; the event’s arrival',
    'noted by a protocol client on a third connection); libvirt-python, from its lifecycle callback to the state read',
    'that confirms it.',
    '',
    table(
      ['waiter', 'samples', 'p50 ms', 'p95 ms', 'max ms', 'note'],
      [delayRow('hvc waitForOperation', hvc), delayRow('libvirt-python callback + state()', python)],
    ),
  ].join('\n');
}
