import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import type { ReviewKind, ReviewRecord, ReviewState } from './review.js';

// The reviews table (migration 0007): every review, open or closed. Only the service writes it,
// one change at a time; a change is made only once its journal event is committed.

type ReviewRow = Database['reviews'];

/** What a decision changes. */
export type ReviewChange = Partial<
  Pick<ReviewRecord, 'state' | 'approvals' | 'decidedAt' | 'decidedBy' | 'reason' | 'grantedUntil'>
>;

export interface ReviewListQuery {
  state?: ReviewState;
  kind?: ReviewKind;
  /** Newest first, from before this one. */
  before?: ReviewRecord | null;
  limit: number;
}

export class ReviewStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(record: ReviewRecord): Promise<void> {
    await this.db.insertInto('reviews').values(toRow(record)).execute();
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('reviews').where('id', '=', id).execute();
  }

  async read(id: string): Promise<ReviewRecord | undefined> {
    const row = await this.db
      .selectFrom('reviews')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  /** Changes a pending review; false when it was not pending any more. */
  async update(id: string, change: ReviewChange): Promise<boolean> {
    const set: Partial<ReviewRow> = {};
    if (change.state !== undefined) set.state = change.state;
    if (change.approvals !== undefined) set.approvals = JSON.stringify(change.approvals);
    if (change.decidedAt !== undefined) set.decided_at = change.decidedAt?.toISOString() ?? null;
    if (change.decidedBy !== undefined) set.decided_by = change.decidedBy;
    if (change.reason !== undefined) set.reason = change.reason;
    if (change.grantedUntil !== undefined) {
      set.granted_until = change.grantedUntil?.toISOString() ?? null;
    }
    const result = await this.db
      .updateTable('reviews')
      .set(set)
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async list(query: ReviewListQuery): Promise<ReviewRecord[]> {
    let select = this.db.selectFrom('reviews').selectAll();
    if (query.state) select = select.where('state', '=', query.state);
    if (query.kind) select = select.where('kind', '=', query.kind);
    const before = query.before;
    if (before) {
      const createdAt = before.createdAt.toISOString();
      select = select.where((where) =>
        where.or([
          where('created_at', '<', createdAt),
          where.and([where('created_at', '=', createdAt), where('id', '<', before.id)]),
        ]),
      );
    }
    const rows = await select
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit)
      .execute();
    return rows.map(fromRow);
  }

  async pending(kind: ReviewKind): Promise<ReviewRecord[]> {
    const rows = await this.db
      .selectFrom('reviews')
      .selectAll()
      .where('state', '=', 'pending')
      .where('kind', '=', kind)
      .orderBy('created_at')
      .execute();
    return rows.map(fromRow);
  }

  /**
   * An identity's access requests for a connection that may still matter at `now`: the pending
   * ones and the approved ones whose grant has not run out, newest first.
   */
  async openAccess(
    requester: { subject: string; provider: string },
    connection: string,
    now: Date,
  ): Promise<ReviewRecord[]> {
    const rows = await this.db
      .selectFrom('reviews')
      .selectAll()
      .where('requester_subject', '=', requester.subject)
      .where('requester_provider', '=', requester.provider)
      .where('connection_name', '=', connection)
      .where('kind', '=', 'access')
      .where((where) =>
        where.or([
          where('state', '=', 'pending'),
          where.and([
            where('state', '=', 'approved'),
            where('granted_until', '>', now.toISOString()),
          ]),
        ]),
      )
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(fromRow);
  }
}

function toRow(record: ReviewRecord): ReviewRow {
  return {
    id: record.id,
    kind: record.kind,
    state: record.state,
    connection_name: record.connection.name,
    connection_type: record.connection.type,
    rule: record.rule,
    requester_subject: record.requester.subject,
    requester_provider: record.requester.provider,
    requester: JSON.stringify(record.requester),
    source: record.source && JSON.stringify(record.source),
    session_id: record.sessionId,
    command: record.command,
    params: record.params && JSON.stringify(record.params),
    approver_groups: JSON.stringify(record.approverGroups),
    approvals_required: record.approvalsRequired,
    approvals: JSON.stringify(record.approvals),
    grant_ms: record.grantMs,
    created_at: record.createdAt.toISOString(),
    expires_at: record.expiresAt.toISOString(),
    decided_at: record.decidedAt?.toISOString() ?? null,
    decided_by: record.decidedBy,
    reason: record.reason,
    granted_until: record.grantedUntil?.toISOString() ?? null,
  };
}

function fromRow(row: ReviewRow): ReviewRecord {
  const date = (value: string | null) => (value === null ? null : new Date(value));
  return {
    id: row.id,
    kind: row.kind as ReviewKind,
    state: row.state as ReviewState,
    connection: { name: row.connection_name, type: row.connection_type },
    rule: row.rule,
    requester: JSON.parse(row.requester),
    source: row.source === null ? null : JSON.parse(row.source),
    sessionId: row.session_id,
    command: row.command,
    params: row.params === null ? null : JSON.parse(row.params),
    approverGroups: JSON.parse(row.approver_groups),
    approvalsRequired: Number(row.approvals_required),
    approvals: JSON.parse(row.approvals),
    grantMs: row.grant_ms === null ? null : Number(row.grant_ms),
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    decidedAt: date(row.decided_at),
    decidedBy: row.decided_by,
    reason: row.reason,
    grantedUntil: date(row.granted_until),
  };
}
