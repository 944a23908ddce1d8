/**
 * The provider ids of entries already in the journal that the collector may be sent again: those
 * from its look-back (Entra) or from around a lost cursor (Okta), at most `capacity` of them, the
 * oldest forgotten first. Bounded, so that memory does not grow with what was collected.
 *
 * The order of adding is kept in a ring rather than by deleting a Map's first key: V8 leaves a
 * deleted Map entry as a hole until the table is rebuilt, and finding the first key walks the
 * holes, so evicting that way costs more with every eviction (quadratic over a long backlog).
 */
export class SeenIds {
  /** Id → the number of its latest adding (its slot in the ring is that modulo capacity). */
  readonly #ids = new Map<string, number>();
  /** The ids and their times (epoch ms) by adding number modulo capacity. */
  readonly #ringIds: (string | undefined)[];
  readonly #ringTimes: Float64Array;
  /** How many adds there have been. */
  #added = 0;
  /** No entry is dated before this: below it, forgetBefore has nothing to forget. */
  #oldestMs = Infinity;

  constructor(private readonly capacity: number) {
    this.#ringIds = new Array<string | undefined>(capacity).fill(undefined);
    this.#ringTimes = new Float64Array(capacity);
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  add(id: string, timeMs: number): void {
    const slot = this.#added % this.capacity;
    const evicted = this.#ringIds[slot];
    // The evicted id may have been added again since: then its newer slot keeps it.
    if (evicted !== undefined && this.#ids.get(evicted) === this.#added - this.capacity) {
      this.#ids.delete(evicted);
    }
    this.#ringIds[slot] = id;
    this.#ringTimes[slot] = timeMs;
    this.#ids.set(id, this.#added);
    this.#added++;
    if (timeMs < this.#oldestMs) this.#oldestMs = timeMs;
  }

  /** Forgets the entries dated before `timeMs`: they are out of the look-back. */
  forgetBefore(timeMs: number): void {
    // Called after every page, mostly with the look-back unchanged: the ids are walked only when
    // some may go.
    if (timeMs <= this.#oldestMs) return;
    let oldest = Infinity;
    for (const [id, added] of this.#ids) {
      const time = this.#ringTimes[added % this.capacity] as number;
      if (time < timeMs) this.#ids.delete(id);
      else if (time < oldest) oldest = time;
    }
    this.#oldestMs = oldest;
  }
}
