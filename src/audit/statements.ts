import { EventTypes, type AuditEvent } from './event.js';

/**
 * Whether events of this type are a statement's (`db.query.start`, `db.query`): nearly all of the
 * journal, found through their session only (the indexes leave them out, see migration 0002).
 */
export function isStatementType(type: string): boolean {
  return type === EventTypes.dbQuery || type === EventTypes.dbQueryStart;
}

/** One statement of a session: what was sent, and what came back. */
export interface StatementRecord {
  /** `request.statementIndex`: 1-based position in the session. */
  index: number;
  startedAt: string;
  command: string;
  params: (string | null)[] | null;
  /** The `db.query` event; null when no result was recorded (still running, or the gateway died). */
  result: AuditEvent | null;
}

/**
 * Pairs each `db.query.start` (written before the statement was forwarded) with its `db.query`
 * (written when it completed) by `request.statementIndex`. Events without an index stay visible
 * in the session's events but cannot be paired.
 */
export function pairStatements(events: AuditEvent[]): StatementRecord[] {
  const byIndex = new Map<number, StatementRecord>();
  for (const event of events) {
    const index = event.request?.statementIndex;
    const isStatement = event.type === EventTypes.dbQueryStart || event.type === EventTypes.dbQuery;
    if (!isStatement || event.request === null || index === undefined) continue;
    // Normally the start comes first; a result recorded without one still makes a record.
    const record = byIndex.get(index) ?? {
      index,
      startedAt: event.time,
      command: event.request.command,
      params: event.request.params ?? null,
      result: null,
    };
    if (event.type === EventTypes.dbQuery) record.result = event;
    byIndex.set(index, record);
  }
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}
