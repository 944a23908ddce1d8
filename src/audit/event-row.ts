import type { EventsTable } from '../store/index.js';
import type { AuditEvent } from './event.js';

/**
 * The journal row for an event: its body plus the fields that queries filter on. The journal
 * writes rows with it and verifyJournal recomputes it from a stored body to catch a column edited
 * behind the body's back.
 */
export function eventRow(event: AuditEvent, body: string): EventsTable {
  return {
    seq: event.seq,
    id: event.id,
    time: event.time,
    type: event.type,
    session_id: event.sessionId ?? null,
    actor_subject: event.actor?.subject ?? null,
    actor_name: event.actor?.name ?? null,
    connection_name: event.connection?.name ?? null,
    outcome_result: event.outcome?.result ?? null,
    body,
    prev_hash: event.prevHash,
    hash: event.hash,
  };
}

/** The event stored in a row; the body is the record, the other columns only index it. */
export function eventFromBody(body: string): AuditEvent {
  return JSON.parse(body) as AuditEvent;
}
