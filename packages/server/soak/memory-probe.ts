/**
 * Loaded into the measured server process with `--import` (the soak spawns it with an IPC channel): answers the
 * soak's requests for a memory sample, optionally after a full garbage collection (`--expose-gc`), and for a heap
 * snapshot. It adds no work to the server between requests.
 */
import { writeHeapSnapshot } from 'node:v8';

/** What the soak asks for. */
export type ProbeRequest =
  | { readonly type: 'sample'; readonly id: number; readonly gc: boolean }
  | { readonly type: 'snapshot'; readonly id: number; readonly file: string };

/** What the probe answers: `process.memoryUsage()` at that moment, or the snapshot's file. */
export type ProbeReply =
  | ({ readonly type: 'sample'; readonly id: number } & NodeJS.MemoryUsage)
  | { readonly type: 'snapshot'; readonly id: number; readonly file: string };

const send = (reply: ProbeReply) => process.send?.(reply);

process.on('message', (message: ProbeRequest) => {
  if (message.type === 'sample') {
    if (message.gc) globalThis.gc?.();
    send({ type: 'sample', id: message.id, ...process.memoryUsage() });
  } else if (message.type === 'snapshot') {
    send({ type: 'snapshot', id: message.id, file: writeHeapSnapshot(message.file) });
  }
});
// The IPC channel must not keep the server alive once it has shut down.
process.channel?.unref();
