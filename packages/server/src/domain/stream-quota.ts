/** Holds one place in a {@link StreamQuota} until released; releasing twice is harmless. */
export type StreamLease = () => void;

/** A bound on streams open at once, across the server and per client. */
export interface StreamQuota {
  /** A lease for one more stream of `client`, or undefined when the server or that client is at its bound. */
  acquire(client: string): StreamLease | undefined;
  /** Whether {@link StreamQuota.acquire} for `client` would give a lease now (nothing is held). */
  hasRoom(client: string): boolean;
  /** Streams open now. */
  open(): number;
}

/**
 * A quota of `total` streams open at once, at most `perClient` of them from one client. Streams past it are
 * refused, never queued: a queue would hold the memory the quota is there to save.
 */
export function createStreamQuota(limits: {
  readonly total: number;
  readonly perClient: number;
}): StreamQuota {
  let open = 0;
  const byClient = new Map<string, number>();
  const hasRoom = (client: string) => open < limits.total && (byClient.get(client) ?? 0) < limits.perClient;
  return {
    acquire(client) {
      if (!hasRoom(client)) return undefined;
      const mine = byClient.get(client) ?? 0;
      open++;
      byClient.set(client, mine + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        open--;
        const left = (byClient.get(client) ?? 1) - 1;
        if (left === 0) byClient.delete(client);
        else byClient.set(client, left);
      };
    },
    hasRoom,
    open: () => open,
  };
}
