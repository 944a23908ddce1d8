// What the delivery engine (delivery.ts) needs of a destination. A sink encodes events one at a
// time, as its destination takes them, and sends a batch of encoded entries in one request; the
// engine decides what goes in a batch (journal order, the sink's filter and limits), retries,
// splits, dead-letters and moves the cursor. A sink keeps no state about delivery.
import type { AuditEvent } from '../audit/index.js';

/** One event on its way out: the journal's event and the payload the sink's `format` made of it. */
export interface ExportRecord {
  event: AuditEvent;
  /** The AuditEvent itself (`native`) or its OCSF mapping (`ocsf`). Shared: never modify it. */
  payload: Record<string, unknown>;
  /** `payload` as JSON text (for `native`, the journal's own text of the event). */
  payloadText: string;
}

/** An encoded entry: what the destination receives for one event. */
export interface Entry {
  record: ExportRecord;
  /** As sent (JSON text, a syslog line …). */
  text: string;
  /** UTF-8 length of `text`, counted once. */
  bytes: number;
}

export type DeliveryOutcome =
  /** The destination acknowledged every entry. */
  | { kind: 'delivered' }
  /** Nothing was taken for good; send the same entries again later. */
  | { kind: 'retry'; reason: string; status?: number; retryAfterMs?: number }
  /** Refused as too large (413): the engine halves the batch; one entry too large is rejected. */
  | { kind: 'split'; reason: string; status?: number }
  /**
   * Refused for good (400, 401, 403 …): the entries go to the dead-letter list. `splittable`: the
   * fault may lie with some entries only (400), so a batch is halved first to keep the good ones.
   */
  | { kind: 'rejected'; reason: string; status?: number; splittable: boolean }
  /**
   * Some entries were taken and some not (EventBridge's FailedEntryCount): `failed` are indices
   * into the batch; retryable ones are sent again, the others dead-lettered.
   */
  | {
      kind: 'partial';
      failed: { index: number; reason: string; retryable: boolean }[];
    };

export interface Sink {
  /** Entries per request at most, where the destination takes fewer than `batch.maxEvents`. */
  readonly maxEventsPerRequest?: number;
  /** Encodes one event; throws only on a bug (an event that cannot be encoded is rejected). */
  encode(record: ExportRecord): string;
  /** Sends entries in one request. Must not throw: every failure is an outcome. */
  deliver(entries: readonly Entry[], signal: AbortSignal): Promise<DeliveryOutcome>;
  /** Releases connections and files. */
  close(): Promise<void>;
}
