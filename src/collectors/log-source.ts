import type { EventDraft } from '../audit/index.js';
import type { Logger } from '../log/index.js';

/** One entry of the provider's log, ready for the journal. */
export interface CollectedRecord {
  /** The provider's own id of the entry (Okta `uuid`, Graph `id`): the dedupe key. */
  key: string;
  /** The provider's time of the entry, epoch ms. */
  timeMs: number;
  draft: EventDraft;
}

/**
 * A page of the provider's log and where the source stands once it is stored. `position` is
 * plain JSON: it is written into the journal with the page's events (collector.checkpoint).
 */
export interface CollectedPage {
  records: CollectedRecord[];
  position: SourcePosition;
}

export type SourcePosition = Record<string, unknown>;

export interface CycleContext {
  signal: AbortSignal;
  /** Resolves after `ms`, or at once when the collector stops (then `signal` is aborted). */
  wait(ms: number): Promise<void>;
  logger: Logger;
}

/** A provider's log as a collector reads it: one cycle at a time, page after page. */
export interface LogSource {
  /**
   * Reads from `position` (null: the first cycle, from `startFrom` or now) to the end of what the
   * provider has now, page by page. Throws CollectorHalt or CollectorRetry (failures.ts).
   */
  cycle(position: SourcePosition | null, context: CycleContext): AsyncIterable<CollectedPage>;
  /**
   * From where the journal must be read at start to know every entry the source may read again
   * (its look-back), as epoch ms; null when it reads nothing twice.
   */
  rereadsFrom(position: SourcePosition | null): number | null;
  close(): Promise<void>;
}
