/** A call's wall time and how far the heap grew while it ran and while its result was still held. */
export interface HeapMeasurement {
  readonly wallMs: number;
  readonly heapGrowthBytes: number;
}

function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (!exposed) throw new Error('heap measurements need node --expose-gc (the bench script passes it)');
  return exposed;
}

const gc = collector();
const SAMPLE_MS = 2;

/**
 * Runs `call` after a full GC and reports its wall time and peak heap growth: the highest `heapUsed` sampled
 * every few ms while it runs, or read the moment it returns, its result included.
 */
export async function measureHeapPeak(call: () => Promise<unknown>): Promise<HeapMeasurement> {
  gc();
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, SAMPLE_MS);
  const started = performance.now();
  await call();
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  // Read synchronously as the call returns: no GC can run in between, so the result is still counted.
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  return { wallMs, heapGrowthBytes: peak - base };
}
