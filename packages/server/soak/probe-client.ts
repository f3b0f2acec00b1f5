import type { ChildProcess } from 'node:child_process';
import type { ProbeReply, ProbeRequest } from './memory-probe.js';

let ids = 0;

/** Asks the memory probe in `child` for a sample or a heap snapshot and waits for its answer. */
export function probe<T extends ProbeRequest['type']>(
  child: ChildProcess,
  request: { type: T } & Omit<Extract<ProbeRequest, { type: T }>, 'type' | 'id'>,
): Promise<Extract<ProbeReply, { type: T }>> {
  const id = ++ids;
  return new Promise((resolve) => {
    const onMessage = (reply: ProbeReply) => {
      if (reply.id !== id) return;
      child.off('message', onMessage);
      resolve(reply as Extract<ProbeReply, { type: T }>);
    };
    child.on('message', onMessage);
    child.send({ ...request, id });
  });
}
