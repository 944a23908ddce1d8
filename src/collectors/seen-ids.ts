/**
 * The provider ids of entries already in the journal that the collector may be sent again: those
 * from its look-back (Entra) or from around a lost cursor (Okta), at most `capacity` of them, the
 * oldest forgotten first. Bounded, so that memory does not grow with what was collected.
 */
export class SeenIds {
  /** Id → the entry's time (epoch ms), in the order they were added. */
  readonly #ids = new Map<string, number>();
  /** No entry is dated before this: below it, forgetBefore has nothing to forget. */
  #oldestMs = Infinity;

  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  add(id: string, timeMs: number): void {
    this.#ids.delete(id);
    this.#ids.set(id, timeMs);
    if (timeMs < this.#oldestMs) this.#oldestMs = timeMs;
    if (this.#ids.size > this.capacity) {
      const oldest = this.#ids.keys().next();
      if (!oldest.done) this.#ids.delete(oldest.value);
    }
  }

  /** Forgets the entries dated before `timeMs`: they are out of the look-back. */
  forgetBefore(timeMs: number): void {
    // Called after every page, mostly with the look-back unchanged: the ids are walked only when
    // some may go.
    if (timeMs <= this.#oldestMs) return;
    let oldest = Infinity;
    for (const [id, time] of this.#ids) {
      if (time < timeMs) this.#ids.delete(id);
      else if (time < oldest) oldest = time;
    }
    this.#oldestMs = oldest;
  }
}
