import type { AuditEvent, EventDraft } from './event.js';

// The journal.retention event: a retention pass appends one to the journal before each removal it
// makes, through the journal's own append, so it is chained like any other event. It states
// what goes (the rule and its cutoff, the seqs, counts by type) and where the kept anchor moves.
// Verification accepts a gap in the chain only where such a record lists the missing seqs: rows
// deleted by hand cannot pass for retention without a record, and a record cannot be added or
// edited without breaking the chain after it (which a head kept elsewhere, or a sink, shows).

export const RETENTION_EVENT_TYPE = 'journal.retention';

/** What a journal.retention event states, in its `retention` field. */
export interface RetentionRecord {
  /** The config path of the age applied, e.g. `retention.types.db.query`. */
  rule: string;
  /** The age, as configured (`90d`). */
  age: string;
  /** Events whose time is before this were old enough. */
  olderThan: string;
  removed: {
    count: number;
    byType: Record<string, number>;
    /** The removed seqs, as ascending ranges: `1-5,7,9-12`. */
    seqs: string;
  };
  /** Where the kept anchor moves with this removal (every event up to its seq is gone); null when it stays. */
  anchor: { seq: number; hash: string } | null;
}

export type RetentionEvent = AuditEvent & { retention: RetentionRecord };

/** The draft of a record; the field is one AuditEvent has not named before (DESIGN: add freely). */
export function retentionDraft(record: RetentionRecord): EventDraft {
  const draft: EventDraft & { retention: RetentionRecord } = {
    type: RETENTION_EVENT_TYPE,
    outcome: { result: 'success', error: null },
    retention: record,
  };
  return draft;
}

/** The record an event states, or why it states none. */
export function recordOf(event: AuditEvent): RetentionRecord | string {
  if (event.type !== RETENTION_EVENT_TYPE) return `it is a ${event.type} event`;
  const record = (event as Partial<RetentionEvent>).retention;
  const removed = record?.removed;
  if (
    typeof removed?.seqs !== 'string' ||
    typeof removed.byType !== 'object' ||
    removed.byType === null ||
    (record?.anchor !== null &&
      (typeof record?.anchor?.seq !== 'number' || typeof record.anchor.hash !== 'string'))
  ) {
    return 'its retention field is not a retention record';
  }
  return record;
}

/** Ascending seqs as ranges: [1,2,3,5] → `1-3,5`. */
export function encodeSeqs(seqs: readonly number[]): string {
  const ranges: string[] = [];
  let index = 0;
  while (index < seqs.length) {
    const first = seqs[index] as number;
    let last = first;
    while (seqs[index + 1] === last + 1) last = seqs[++index] as number;
    ranges.push(first === last ? String(first) : `${first}-${last}`);
    index += 1;
  }
  return ranges.join(',');
}

/** Decoded `seqs` of a record, asked whether they hold a seq. */
export class SeqRanges {
  /** Flat [first, last, first, last, …], ascending. */
  readonly #bounds: number[];

  constructor(encoded: string) {
    this.#bounds = [];
    if (encoded === '') return;
    for (const range of encoded.split(',')) {
      const [first, last] = range.split('-').map(Number) as [number, number?];
      this.#bounds.push(first, last ?? first);
    }
  }

  has(seq: number): boolean {
    let low = 0;
    let high = this.#bounds.length / 2 - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const first = this.#bounds[2 * middle] as number;
      const last = this.#bounds[2 * middle + 1] as number;
      if (seq < first) high = middle - 1;
      else if (seq > last) low = middle + 1;
      else return true;
    }
    return false;
  }
}
