// Records and entries as the delivery engine hands them to a sink, built from real-looking
// AuditEvents, so that sink tests call encode + deliver without the engine.
import type { AuditEvent } from '../../src/audit/index.js';
import { auditEvent } from './audit-event.js';
import type { SinkCommon } from '../../src/config/index.js';
import { exportRecord } from '../../src/export/payload.js';
import type { Entry, ExportRecord, Sink } from '../../src/export/sink.js';

/** A minute ago, to the millisecond: recent enough for any destination's age limit. */
export function recentTime(): string {
  return new Date(Date.now() - 60_000).toISOString();
}

/** billing-agent's `DELETE` on pg-prod (3 rows), event `seq` of its session. */
export function deleteQuery(seq: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return auditEvent({
    id: `01936f6e-0000-7000-8000-${String(seq).padStart(12, '0')}`,
    seq,
    time: recentTime(),
    type: 'db.query',
    actor: {
      subject: '0oa8agent',
      name: 'billing-agent',
      provider: 'okta',
      groups: ['agents-db'],
      kind: 'agent',
      clientId: '0oa8client',
    },
    source: { ip: '10.0.0.7', port: 51234, client: 'psql', user: 'billing' },
    connection: { name: 'pg-prod', type: 'postgres' },
    sessionId: '01936f6d-0000-7000-8000-000000000001',
    authorization: { group: 'agents-db', rule: 'pg-prod.allow[0]' },
    request: {
      command: 'DELETE FROM orders WHERE customer_id = $1',
      params: ['42'],
      statementIndex: seq,
      protocol: 'extended',
    },
    response: { rows: 3, bytes: 11, sample: 'DELETE 3', truncated: false },
    outcome: { result: 'success', error: null, durationMs: 0.8 },
    ...overrides,
  });
}

/** The `native` format: the payload is the AuditEvent itself. */
export function nativeRecord(event: AuditEvent): ExportRecord {
  return exportRecord(event, JSON.stringify(event), 'native');
}

/** The `ocsf` format: the payload is the event's OCSF mapping. */
export function ocsfRecord(event: AuditEvent): ExportRecord {
  return exportRecord(event, JSON.stringify(event), 'ocsf');
}

/** Encodes records one at a time, as the engine does before it batches them. */
export function encodeAll(sink: Sink, records: readonly ExportRecord[]): Entry[] {
  return records.map((record) => entryOf(record, sink.encode(record)));
}

/** Events in the `native` format, encoded by `sink`. */
export function nativeEntries(sink: Sink, events: readonly AuditEvent[]): Entry[] {
  return encodeAll(sink, events.map(nativeRecord));
}

/** Three DELETEs (seq 1-3) encoded by `sink`: a batch for tests about the destination's answer. */
export function threeDeletes(sink: Sink): Entry[] {
  return nativeEntries(
    sink,
    [1, 2, 3].map((seq) => deleteQuery(seq)),
  );
}

/** An entry with a given text (say, one the destination will refuse). */
export function entryOf(record: ExportRecord, text: string): Entry {
  return { record, text, bytes: Buffer.byteLength(text) };
}

/** The settings every sink has, as a config with nothing special would give them. */
export function commonSettings(name: string): SinkCommon {
  return {
    name,
    filter: { types: [], connections: [], groups: [], outcomes: [] },
    format: 'native',
    start: { from: 'now' },
    batch: { maxEvents: 1000, maxBytes: 1024 * 1024 },
    retry: { minDelayMs: 1000, maxDelayMs: 300_000 },
  };
}
