import type { Actor, AuditEvent, EventConnection } from '../audit/index.js';

/** What an alert keeps of an event it counts: enough to name it and to say who and where. */
export interface CountedEvent {
  seq: number;
  id: string;
  type: string;
  time: string;
  /** `time` as milliseconds: windows are kept by event time. */
  timeMs: number;
  actor: Actor | null;
  connection: EventConnection | null;
  sessionId: string | null;
}

export function countedEvent(event: AuditEvent): CountedEvent {
  return {
    seq: event.seq,
    id: event.id,
    type: event.type,
    time: event.time,
    timeMs: Date.parse(event.time),
    actor: event.actor,
    connection: event.connection,
    sessionId: event.sessionId,
  };
}
