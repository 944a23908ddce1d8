import type { Kysely } from 'kysely';
import { latestEventOfType, type AuditEvent, type EventDraft } from '../audit/index.js';
import type { CollectorType } from '../config/index.js';
import type { Database } from '../store/index.js';
import type { SourcePosition } from './log-source.js';

// Where a collector stands in its provider's log is written into the journal, in the same group
// commit as the page of events it follows (Journal.appendMany: all or none). A restart resumes
// from the newest checkpoint and can neither lose a page (its checkpoint came with it) nor store
// one twice (a page committed came with its checkpoint). The journal is Warden's one durable,
// tamper-evident record; a checkpoint row in another table could not share that commit.

export const CHECKPOINT_EVENT_TYPE = 'collector.checkpoint';

/** What a collector.checkpoint event states, in its `collector` field. */
export interface CheckpointRecord {
  name: string;
  type: CollectorType;
  /** The source's own position (Okta: the `next` link …), plain JSON. */
  position: SourcePosition;
  /** The page this checkpoint follows: events stored, and entries dropped as already stored. */
  page: { events: number; duplicates: number };
  /** Events this collector has stored in all. */
  collected: number;
  /** The newest provider time collected (ISO), null before any. */
  lastPublished: string | null;
}

export function checkpointDraft(record: CheckpointRecord): EventDraft {
  const draft: EventDraft & { collector: CheckpointRecord } = {
    type: CHECKPOINT_EVENT_TYPE,
    outcome: { result: 'success', error: null },
    collector: record,
  };
  return draft;
}

/** The newest checkpoint of the collector `name`, null before its first page. */
export async function latestCheckpoint(
  db: Kysely<Database>,
  name: string,
): Promise<CheckpointRecord | null> {
  const event = await latestEventOfType(
    db,
    CHECKPOINT_EVENT_TYPE,
    (candidate) => checkpointOf(candidate)?.name === name,
  );
  return event && checkpointOf(event);
}

function checkpointOf(event: AuditEvent): CheckpointRecord | null {
  const record = (event as AuditEvent & { collector?: CheckpointRecord }).collector;
  return record && typeof record.name === 'string' && typeof record.position === 'object'
    ? record
    : null;
}
