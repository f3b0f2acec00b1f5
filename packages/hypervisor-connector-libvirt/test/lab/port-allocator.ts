import { createServer } from 'node:net';

/** An inclusive range of TCP ports. */
export interface PortRange {
  readonly min: number;
  readonly max: number;
}

// Below Linux's ephemeral range (32768+), so no outgoing connection takes a port between the check and the use;
// above 5900, the lowest VNC port libvirt accepts.
const LOWEST = 10_000;
const HIGHEST = 32_000;

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    // The wildcard address: an incoming migration listens on every address of its range.
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Picks ports for one lab: random ranges (so several labs on one machine rarely meet) whose every port is free
 * now and that do not overlap ranges this allocator handed out before.
 */
export class PortAllocator {
  readonly #taken: PortRange[] = [];

  /** A range of `size` free ports. */
  async range(size: number): Promise<PortRange> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const min = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST - size));
      const candidate = { min, max: min + size - 1 };
      if (this.#taken.some((range) => candidate.min <= range.max && range.min <= candidate.max)) continue;
      // Taken before the checks: a concurrent call must not pick an overlapping range meanwhile.
      this.#taken.push(candidate);
      let free = true;
      for (let port = candidate.min; port <= candidate.max && free; port++) free = await isFree(port);
      if (free) return candidate;
      this.#taken.splice(this.#taken.indexOf(candidate), 1);
    }
    throw new Error(`no ${size} free consecutive TCP ports between ${LOWEST} and ${HIGHEST}`);
  }

  /** One free port. */
  async port(): Promise<number> {
    return (await this.range(1)).min;
  }
}
