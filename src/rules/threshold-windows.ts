// The counting behind a threshold: per key (an actor, a connection …), the matching events of
// the last `windowMs` by event time. Memory is bounded: past a number of keys or of events kept,
// the keys least recently counted are forgotten first.
import type { AlertThreshold } from '../config/index.js';
import type { CountedEvent } from './counted-event.js';

export interface WindowLimits {
  /** Keys kept at most. */
  maxKeys: number;
  /** Events kept at most, over every key. */
  maxEvents: number;
}

export const DEFAULT_WINDOW_LIMITS: WindowLimits = { maxKeys: 100_000, maxEvents: 1_000_000 };

export class ThresholdWindows {
  /** In the order keys were last counted: the first is the one to forget. */
  readonly #windows = new Map<string, CountedEvent[]>();
  #events = 0;

  constructor(
    private readonly threshold: AlertThreshold,
    private readonly limits: WindowLimits = DEFAULT_WINDOW_LIMITS,
  ) {}

  /** Keys with events in their window. */
  get keys(): number {
    return this.#windows.size;
  }

  /**
   * Counts the event under `key`. When the window then holds `count` events, returns them (in
   * time order) and empties the window: the alert is raised once, and counting starts over.
   */
  add(key: string, event: CountedEvent): CountedEvent[] | null {
    const window = this.#windows.get(key) ?? [];
    this.#windows.delete(key);
    // Nearly always at the end: events come in journal order, which is nearly time order (a
    // statement's result is dated when it started).
    let at = window.length;
    while (at > 0 && (window[at - 1] as CountedEvent).timeMs > event.timeMs) at--;
    window.splice(at, 0, event);
    this.#events += 1;
    const newest = (window.at(-1) as CountedEvent).timeMs;
    let expired = 0;
    while (
      expired < window.length &&
      (window[expired] as CountedEvent).timeMs <= newest - this.threshold.windowMs
    ) {
      expired++;
    }
    window.splice(0, expired);
    this.#events -= expired;
    if (window.length >= this.threshold.count) {
      this.#events -= window.length;
      return window;
    }
    if (window.length > 0) this.#windows.set(key, window);
    this.#bound();
    return null;
  }

  /** Forgets the events of `key` up to `seq`: an alert was raised for them. */
  clearThrough(key: string, seq: number): void {
    const window = this.#windows.get(key);
    if (window === undefined) return;
    const kept = window.filter((event) => event.seq > seq);
    this.#events -= window.length - kept.length;
    if (kept.length > 0) this.#windows.set(key, kept);
    else this.#windows.delete(key);
  }

  #bound(): void {
    for (const [key, window] of this.#windows) {
      if (this.#windows.size <= this.limits.maxKeys && this.#events <= this.limits.maxEvents)
        return;
      this.#windows.delete(key);
      this.#events -= window.length;
    }
  }
}
