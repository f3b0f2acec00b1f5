/** A call's wall time and how far the memory it holds grew while it ran and while its result was still held. */
export interface HeapMeasurement {
  readonly wallMs: number;
  /** Growth of the V8 heap plus external memory (array buffers, external strings), bytes. */
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
 * The memory a JS client's data can take: V8's heap in use plus the memory outside it that V8 objects own
 * (`external`: array buffers, and strings V8 keeps outside its heap, as large ASCII strings can be), so that a
 * client whose bodies live outside the heap is counted like one whose bodies live inside it.
 */
function heldBytes(): number {
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

/**
 * Runs `call` after a full GC and reports its wall time and peak memory growth: the highest V8 heap plus external
 * memory sampled every few ms while it runs, or read the moment it returns, its result included.
 */
export async function measureHeapPeak(call: () => Promise<unknown>): Promise<HeapMeasurement> {
  gc();
  gc();
  const base = heldBytes();
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, heldBytes());
  }, SAMPLE_MS);
  const started = performance.now();
  await call();
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  // Read synchronously as the call returns: no GC can run in between, so the result is still counted.
  peak = Math.max(peak, heldBytes());
  return { wallMs, heapGrowthBytes: peak - base };
}
