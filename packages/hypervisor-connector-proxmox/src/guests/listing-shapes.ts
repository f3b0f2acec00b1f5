/** One object kept in every this many, besides the first of each run of one `type`. */
const STRIDE = 32;

/**
 * Keeps a sample of the last listing's objects alive until the next listing: some of the entries parsed from
 * `/cluster/resources`, of the guests built from them, and the values those guests share.
 *
 * V8 compiles the listing's hot functions (the locator's pass, the mapping to guests) for the hidden classes of
 * these objects, and holds those classes only weakly. Once every object of a listing is garbage, a major GC drops
 * the classes and with them the compiled code (`--trace-deopt` says "weak objects"), so the next listing runs
 * unoptimised while V8 compiles again: on a 10,000-guest listing, a mapping that takes 2–6 ms takes 9–20 ms. One
 * live object keeps its class and every class before it in its chain, so a small sample is enough: every 32nd
 * object, the first of each run of one `type` (entries come grouped by kind), and the first guest with a lock and
 * with a pool, whose classes no other guest shares. Nothing is read back: the sample only stays reachable.
 */
export class ListingShapes {
  #entries: readonly object[] = [];
  #guests: readonly object[] = [];
  #values: object | undefined;

  /** Keeps a sample of the entries of the `/cluster/resources` answer just read (nodes and storages included). */
  keepEntries(entries: readonly { readonly type?: string }[]): void {
    this.#entries = sampleOf(entries);
  }

  /** Keeps a sample of a listing's guests and the values they share (tag lists, resources records). */
  keepGuests(
    guests: readonly { readonly type?: string; readonly lock?: unknown; readonly pool?: unknown }[],
    values: object,
  ): void {
    const sample = sampleOf(guests);
    for (const rare of [
      guests.find((guest) => guest.lock !== undefined),
      guests.find((guest) => guest.pool !== undefined),
    ]) {
      if (rare !== undefined && !sample.includes(rare)) sample.push(rare);
    }
    this.#guests = sample;
    this.#values = values;
  }

  /** How many objects are kept (entries, guests, and the shared values as one). */
  get size(): number {
    return this.#entries.length + this.#guests.length + (this.#values === undefined ? 0 : 1);
  }
}

/** Every {@link STRIDE}th object and the first of each run of one `type`. */
function sampleOf<T extends { readonly type?: string }>(objects: readonly T[]): T[] {
  const sample: T[] = [];
  let type: string | undefined;
  for (let i = 0; i < objects.length; i++) {
    const object = objects[i] as T;
    if (i % STRIDE === 0 || object.type !== type) sample.push(object);
    type = object.type;
  }
  return sample;
}
