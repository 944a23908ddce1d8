import { v7 as uuidv7 } from 'uuid';
import type { Actor, EventConnection, EventDraft, EventSource, Journal } from '../audit/index.js';
import type { AccessApprovalPolicy, ApprovalPolicy, CommandReviewPolicy } from '../config/types.js';
import type { Principal } from '../identity/principal.js';
import type { Logger } from '../log/index.js';
import type { Store } from '../store/index.js';
import { mayView, refusalReason, sameIdentity } from './approver-rules.js';
import { ReviewConflictError, ReviewForbiddenError, ReviewNotFoundError } from './errors.js';
import {
  approvalEvent,
  approvedEvent,
  closedEvent,
  deniedEvent,
  refusedEvent,
  requestedEvent,
} from './review-events.js';
import { ReviewStore, type ReviewChange } from './review-store.js';
import {
  toView,
  type AccessCheck,
  type ReviewDecision,
  type ReviewKind,
  type ReviewRecord,
  type ReviewState,
  type ReviewView,
  type PendingReview,
} from './review.js';

export interface ReviewServiceOptions {
  store: Store;
  journal: Pick<Journal, 'append'>;
  logger: Logger;
  /** Told of every new review once its event is committed (a notification channel, say). */
  announce?: (review: ReviewView) => void;
  now?: () => Date;
}

export interface CommandReviewInput {
  connection: EventConnection;
  /** `<connection>.guardrails.<name>`. */
  rule: string;
  policy: CommandReviewPolicy;
  actor: Actor;
  source: EventSource;
  sessionId: string;
  /** As recorded (masked): the review keeps and shows it. */
  command: string;
  params?: (string | null)[];
}

export interface AccessCheckInput {
  connection: EventConnection;
  policy: AccessApprovalPolicy;
  actor: Actor;
  source: EventSource;
}

export interface ReviewListFilter {
  state?: ReviewState;
  kind?: ReviewKind;
  limit: number;
}

/** Access requests and command reviews: asked for by the gateway, decided through the API. */
export interface ReviewService {
  /**
   * Opens a review of a statement; resolves once `review.requested` is committed (rejects when
   * it cannot be: the statement is then refused). The statement waits on `decision`.
   */
  requestCommandReview(input: CommandReviewInput): Promise<PendingReview>;
  /**
   * Whether the identity holds an approved access request for the connection; if not, its open
   * request, or a new one.
   */
  checkAccess(input: AccessCheckInput): Promise<AccessCheck>;
  /** Newest first: those the viewer requested or may decide, or all for an admin. */
  list(filter: ReviewListFilter, viewer: Principal, isAdmin: boolean): Promise<ReviewView[]>;
  /** Throws ReviewNotFoundError for an unknown review or one the viewer may not see. */
  get(id: string, viewer: Principal, isAdmin: boolean): Promise<ReviewView>;
  approve(id: string, approver: Principal, reason?: string | null): Promise<ReviewView>;
  deny(id: string, approver: Principal, reason: string): Promise<ReviewView>;
  /** Stops the timers and withdraws the command reviews still waited on. Before the journal closes. */
  close(): Promise<void>;
}

/** setTimeout's longest delay: a longer wait (an access request open for 30 days) is chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Reviews read at a time while looking for those a viewer may see. */
const VIEW_BATCH = 500;

const RESTART_REASON = 'the gateway restarted';
const SHUTDOWN_REASON = 'the gateway shut down';

/**
 * Starts the service on the store: pending command reviews of a previous process are withdrawn
 * (no statement waits on them any more); pending access requests keep their expiry.
 */
export async function createReviewService(options: ReviewServiceOptions): Promise<ReviewService> {
  const service = new StoredReviews(options);
  await service.start();
  return service;
}

/** What closing a review changes, records and tells the statement waiting on it. */
interface Closing {
  change: ReviewChange & { state: ReviewState };
  event: EventDraft;
  decision: ReviewDecision;
}

class StoredReviews implements ReviewService {
  readonly #store: ReviewStore;
  readonly #journal: Pick<Journal, 'append'>;
  readonly #logger: Logger;
  readonly #announce: (review: ReviewView) => void;
  readonly #now: () => Date;
  /** The statements waiting, by review id. */
  readonly #waiters = new Map<string, (decision: ReviewDecision) => void>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  /** Changes run one at a time: a decision reads the state that the previous one left. */
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: ReviewServiceOptions) {
    this.#store = new ReviewStore(options.store.db);
    this.#journal = options.journal;
    this.#logger = options.logger;
    this.#announce = options.announce ?? (() => undefined);
    this.#now = options.now ?? (() => new Date());
  }

  async start(): Promise<void> {
    for (const record of await this.#store.pending('command')) {
      await this.#close(record, this.#withdrawal(record, RESTART_REASON));
    }
    for (const record of await this.#store.pending('access')) this.#expireAt(record);
  }

  requestCommandReview(input: CommandReviewInput): Promise<PendingReview> {
    return this.#exclusive(async () => {
      const record: ReviewRecord = {
        ...this.#newRecord('command', input.rule, input, input.policy.timeoutMs),
        sessionId: input.sessionId,
        command: input.command,
        params: input.params ?? null,
      };
      const decision = new Promise<ReviewDecision>((resolve) =>
        this.#waiters.set(record.id, resolve),
      );
      try {
        await this.#open(record);
      } catch (error) {
        this.#waiters.delete(record.id);
        throw error;
      }
      return {
        id: record.id,
        expiresAt: record.expiresAt,
        decision,
        withdraw: (reason: string) => this.#withdraw(record.id, reason),
      };
    });
  }

  checkAccess(input: AccessCheckInput): Promise<AccessCheck> {
    return this.#exclusive(async () => {
      const now = this.#now();
      const requests = await this.#store.openAccess(input.actor, input.connection.name, now);
      // Of several grants running, the one that lasts longest.
      const granted = requests
        .filter((record) => record.state === 'approved' && record.grantedUntil !== null)
        .sort((a, b) => Number(b.grantedUntil) - Number(a.grantedUntil))[0];
      if (granted?.grantedUntil) {
        return { granted: true, reviewId: granted.id, until: granted.grantedUntil };
      }
      for (const record of requests.filter((request) => request.state === 'pending')) {
        if (await this.#expireIfDue(record, now)) continue;
        return {
          granted: false,
          reviewId: record.id,
          created: false,
          expiresAt: record.expiresAt,
        };
      }
      const record: ReviewRecord = {
        ...this.#newRecord(
          'access',
          `${input.connection.name}.accessApproval`,
          input,
          input.policy.requestTtlMs,
        ),
        grantMs: input.policy.durationMs,
      };
      await this.#open(record);
      return { granted: false, reviewId: record.id, created: true, expiresAt: record.expiresAt };
    });
  }

  async list(filter: ReviewListFilter, viewer: Principal, isAdmin: boolean): Promise<ReviewView[]> {
    const views: ReviewView[] = [];
    const batch = isAdmin ? filter.limit : VIEW_BATCH;
    let before: ReviewRecord | null = null;
    for (;;) {
      const records = await this.#store.list({ ...filter, before, limit: batch });
      for (const record of records) {
        if (!mayView(record, viewer, isAdmin)) continue;
        views.push(toView(record));
        if (views.length === filter.limit) return views;
      }
      if (records.length < batch) return views;
      before = records[records.length - 1] ?? null;
    }
  }

  async get(id: string, viewer: Principal, isAdmin: boolean): Promise<ReviewView> {
    const record = await this.#store.read(id);
    if (!record || !mayView(record, viewer, isAdmin)) throw new ReviewNotFoundError(id);
    return toView(record);
  }

  approve(id: string, approver: Principal, reason: string | null = null): Promise<ReviewView> {
    return this.#exclusive(async () => {
      const record = await this.#decidable(id, approver, 'approve');
      if (record.approvals.some((approval) => sameIdentity(approval, approver))) {
        throw new ReviewConflictError(
          `${approver.name} (${approver.provider}) approved review ${id} already: approvals ` +
            `count once per identity, ${record.approvalsRequired - record.approvals.length} more ` +
            'needed from others',
        );
      }
      const now = this.#now();
      const approvals = [
        ...record.approvals,
        {
          subject: approver.subject,
          provider: approver.provider,
          name: approver.name,
          at: now.toISOString(),
          reason,
        },
      ];
      if (approvals.length < record.approvalsRequired) {
        const counted = { ...record, approvals };
        await this.#journal.append(approvalEvent(counted, approver, reason));
        await this.#store.update(id, { approvals });
        return toView(counted);
      }
      const grantedUntil =
        record.grantMs === null ? null : new Date(now.getTime() + record.grantMs);
      const change = {
        state: 'approved',
        approvals,
        decidedAt: now,
        decidedBy: approver.name,
        reason,
        grantedUntil,
      } as const;
      const approved: ReviewRecord = { ...record, ...change };
      await this.#close(
        record,
        {
          change,
          event: approvedEvent(approved, approver, reason),
          decision: { approved: true, approvers: approvals.map((approval) => approval.name) },
        },
        'must record',
      );
      return toView(approved);
    });
  }

  deny(id: string, approver: Principal, reason: string): Promise<ReviewView> {
    return this.#exclusive(async () => {
      const record = await this.#decidable(id, approver, 'deny');
      const now = this.#now();
      const change = { state: 'denied', decidedAt: now, decidedBy: approver.name, reason } as const;
      const denied: ReviewRecord = { ...record, ...change };
      await this.#close(
        record,
        {
          change,
          event: deniedEvent(denied, approver, reason),
          decision: { approved: false, outcome: 'denied', reason, by: approver.name },
        },
        'must record',
      );
      return toView(denied);
    });
  }

  close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    return this.#exclusive(async () => {
      for (const id of [...this.#waiters.keys()]) {
        const record = await this.#store.read(id);
        if (record?.state === 'pending') {
          await this.#close(record, this.#withdrawal(record, SHUTDOWN_REASON));
        }
      }
    });
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(work);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** A pending review, open for `openForMs` from now, under `input.policy`. */
  #newRecord(
    kind: ReviewKind,
    rule: string,
    input: {
      connection: EventConnection;
      actor: Actor;
      source: EventSource;
      policy: ApprovalPolicy;
    },
    openForMs: number,
  ): ReviewRecord {
    if (this.#closed) throw new Error('reviews: the service is closed');
    const now = this.#now();
    return {
      id: uuidv7(),
      kind,
      state: 'pending',
      connection: input.connection,
      rule,
      requester: input.actor,
      source: input.source,
      sessionId: null,
      command: null,
      params: null,
      approverGroups: input.policy.approverGroups,
      approvalsRequired: input.policy.approvals,
      approvals: [],
      grantMs: null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + openForMs),
      decidedAt: null,
      decidedBy: null,
      reason: null,
      grantedUntil: null,
    };
  }

  /**
   * Stores a new review and records its request; when the journal refuses the event, the review
   * is removed again and the error is the caller's. Then it expires in time, and is announced.
   */
  async #open(record: ReviewRecord): Promise<void> {
    await this.#store.insert(record);
    try {
      await this.#journal.append(requestedEvent(record));
    } catch (error) {
      await this.#store.remove(record.id);
      throw error;
    }
    this.#expireAt(record);
    try {
      this.#announce(toView(record));
    } catch (error) {
      this.#logger.warn({ err: error, reviewId: record.id }, 'reviews: announcing failed');
    }
  }

  /**
   * The review to decide, once `who` is known to be allowed to (else review.refused is recorded
   * and ReviewForbiddenError thrown) and it is pending (else ReviewConflictError).
   */
  async #decidable(
    id: string,
    who: Principal,
    attempted: 'approve' | 'deny',
  ): Promise<ReviewRecord> {
    const record = await this.#store.read(id);
    if (!record) throw new ReviewNotFoundError(id);
    const why = refusalReason(record, who);
    if (why !== null) {
      await this.#journal
        .append(refusedEvent(record, who, attempted, why))
        .catch((error) =>
          this.#logger.error({ err: error, reviewId: id }, 'reviews: recording a refusal failed'),
        );
      throw new ReviewForbiddenError(why);
    }
    const state = (await this.#expireIfDue(record, this.#now())) ? 'expired' : record.state;
    if (state !== 'pending') {
      throw new ReviewConflictError(
        `review ${id} is ${state}: only a pending review can be decided`,
      );
    }
    return record;
  }

  /** Expires a pending review whose time is up (its timer may not have run yet); true if it did. */
  async #expireIfDue(record: ReviewRecord, now: Date): Promise<boolean> {
    if (record.state !== 'pending' || record.expiresAt > now) return false;
    await this.#close(record, this.#expiry(record));
    return true;
  }

  /** Expires the review when its time is up, unless it was decided before. */
  #expireAt(record: ReviewRecord, dueInMs = record.expiresAt.getTime() - this.#now().getTime()) {
    if (this.#closed) return;
    const delay = Math.max(0, Math.min(dueInMs, MAX_TIMER_MS));
    const timer = setTimeout(() => {
      this.#timers.delete(record.id);
      if (dueInMs > MAX_TIMER_MS) {
        this.#expireAt(record, dueInMs - MAX_TIMER_MS);
        return;
      }
      void this.#exclusive(async () => {
        const current = await this.#store.read(record.id);
        if (current?.state === 'pending') await this.#close(current, this.#expiry(current));
      }).catch((error) =>
        this.#logger.error({ err: error, reviewId: record.id }, 'reviews: expiring failed'),
      );
    }, delay);
    // A pending review does not keep the process alive by itself.
    timer.unref();
    this.#timers.set(record.id, timer);
  }

  #withdraw(id: string, reason: string): void {
    void this.#exclusive(async () => {
      const record = await this.#store.read(id);
      if (record?.state === 'pending') await this.#close(record, this.#withdrawal(record, reason));
    }).catch((error) =>
      this.#logger.error({ err: error, reviewId: id }, 'reviews: withdrawing failed'),
    );
  }

  #expiry(record: ReviewRecord): Closing {
    const reason = `no decision by ${record.expiresAt.toISOString()}`;
    return {
      change: { state: 'expired', decidedAt: this.#now(), reason },
      event: closedEvent(record, 'expired', reason),
      decision: { approved: false, outcome: 'expired', reason, by: null },
    };
  }

  #withdrawal(record: ReviewRecord, reason: string): Closing {
    return {
      change: { state: 'withdrawn', decidedAt: this.#now(), reason },
      event: closedEvent(record, 'withdrawn', reason),
      decision: { approved: false, outcome: 'withdrawn', reason, by: null },
    };
  }

  /**
   * Records how a review ended, stores it, and tells the statement waiting on it. A decision
   * someone made (`must record`) takes effect only once its event is committed; an expiry or a
   * withdrawal ends the review even when the journal refuses the event (logged): a statement
   * must never wait on a review nobody can decide any more.
   */
  async #close(record: ReviewRecord, closing: Closing, mustRecord?: 'must record'): Promise<void> {
    try {
      await this.#journal.append(closing.event);
    } catch (error) {
      if (mustRecord) throw error;
      this.#logger.error(
        { err: error, reviewId: record.id, state: closing.change.state },
        'reviews: recording the end of a review failed; it ends anyway',
      );
    }
    await this.#store.update(record.id, closing.change);
    const timer = this.#timers.get(record.id);
    if (timer) clearTimeout(timer);
    this.#timers.delete(record.id);
    const waiter = this.#waiters.get(record.id);
    this.#waiters.delete(record.id);
    waiter?.(closing.decision);
  }
}
