import type { EventsTable } from '../store/index.js';
import type { Actor, AuditEvent, EventOutcome } from './event.js';

/**
 * What indexing reads of an event: the fields of its row beside the body, and its actor for the
 * identities table. An AuditEvent is one; `indexedEvent` makes the smaller copy the journal hands
 * its indexer thread with each commit.
 */
export interface IndexedEvent {
  seq: number;
  id: string;
  time: string;
  type: string;
  sessionId: string | null;
  actor: Pick<Actor, 'subject' | 'name' | 'provider' | 'kind' | 'clientId' | 'alternateId'> | null;
  connection: { name: string } | null;
  outcome: Pick<EventOutcome, 'result'> | null;
  prevHash: string;
  hash: string;
}

/**
 * The fields of an event indexing reads, copied (the actor without its groups); null when one of
 * them is not text, whose JSON the indexer must then read from the line as stored.
 */
export function indexedEvent(event: AuditEvent): IndexedEvent | null {
  const { actor, connection, outcome } = event;
  // Written out rather than collected in a list: this runs for every event the journal seals.
  const textual =
    isTextOrNone(event.sessionId) &&
    isTextOrNone(connection?.name) &&
    isTextOrNone(outcome?.result) &&
    (!actor ||
      (isTextOrNone(actor.subject) &&
        isTextOrNone(actor.name) &&
        isTextOrNone(actor.provider) &&
        isTextOrNone(actor.kind) &&
        isTextOrNone(actor.clientId) &&
        isTextOrNone(actor.alternateId)));
  if (!textual) return null;
  return {
    seq: event.seq,
    id: event.id,
    time: event.time,
    type: event.type,
    sessionId: event.sessionId ?? null,
    actor: actor
      ? {
          subject: actor.subject,
          name: actor.name,
          provider: actor.provider,
          kind: actor.kind,
          clientId: actor.clientId ?? null,
          alternateId: actor.alternateId ?? null,
        }
      : null,
    connection: connection ? { name: connection.name } : null,
    outcome: outcome ? { result: outcome.result } : null,
    prevHash: event.prevHash,
    hash: event.hash,
  };
}

function isTextOrNone(value: unknown): boolean {
  return value === null || value === undefined || typeof value === 'string';
}

/**
 * The journal row for an event: its body plus the fields that queries filter on. The journal
 * writes rows with it and verifyJournal recomputes it from a stored body to catch a column edited
 * behind the body's back.
 */
export function eventRow(event: IndexedEvent, body: string): EventsTable {
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
