// The recorder of one session: it turns the client's Query, Execute and FunctionCall messages
// into statements, writes `db.query.start` before they are forwarded (the session waits for that
// commit), follows the target's answers to attribute each result message to its statement, and
// writes `db.query` when a statement completes.
//
// How answers are attributed: the target answers in the order the client sent, so the recorder
// keeps a queue of what it expects — a statement, the ReadyForQuery of a Sync, or a refusal — and
// each result message belongs to the head of that queue. A simple Query ends at ReadyForQuery;
// an Execute ends at CommandComplete, EmptyQueryResponse, PortalSuspended or ErrorResponse. After
// an error in the extended protocol the target skips to the next Sync, so the Executes still
// queued before it were not run, and are recorded as such.
import type { EventDraft, EventError, Journal } from '../../audit/index.js';
import type { RecordingConfig } from '../../config/types.js';
import type { Logger } from '../../log/index.js';
import type { ClientMessage } from './client-reader.js';
import { queryCompleted, queryStart, type SessionContext } from './event-drafts.js';
import type { ScannedMessage } from './server-scanner.js';
import { ServerMessageType as Type } from './server-messages.js';
import { Statement } from './statement.js';
import { StatementRequests, type StagedChange } from './statement-requests.js';

/** What the session gates and follows in one chunk of client messages. */
export interface ObservedChunk {
  /** Statements needing a committed `db.query.start` before the chunk goes on, in order. */
  statements: Map<ClientMessage, Statement>;
  /** Parse, Bind and Close messages, staged until the target answers them. */
  changes: Map<ClientMessage, StagedChange> | null;
}

const ackTypes: Record<StagedChange['kind'], number> = {
  parse: Type.parseComplete,
  bind: Type.bindComplete,
  close: Type.closeComplete,
};

export type JournalAppender = Pick<Journal, 'append'>;

// Messages the target may send at any time, not part of any statement's answer.
const asynchronousTypes = new Set<number>([
  Type.notificationResponse,
  Type.noticeResponse,
  Type.parameterStatus,
]);

type Expected =
  | { kind: 'statement'; statement: Statement }
  | { kind: 'sync' }
  | { kind: 'change'; change: StagedChange }
  /** A Sync forwarded in place of refused messages: the client gets `reply` before its ReadyForQuery. */
  | { kind: 'refusal'; reply: Buffer };

export interface RecorderTotals {
  statements: number;
  errors: number;
  rows: number;
  /** Run but left out of the record by `recording.exclude`. */
  excluded: number;
  /** Refused by a guardrail or a review: never sent to the target. */
  blocked: number;
}

export class SessionRecorder {
  private nextIndex = 1;
  private readonly requests = new StatementRequests();
  private readonly expected: Expected[] = [];
  private pendingRefusals = 0;
  /** After an extended-protocol error the target discards everything up to the next Sync. */
  private skippingToSync = false;
  /** Background appends not yet settled, and who waits for there to be none. */
  private inFlight = 0;
  private whenSettled: (() => void)[] = [];
  private readonly counts: RecorderTotals = {
    statements: 0,
    errors: 0,
    rows: 0,
    excluded: 0,
    blocked: 0,
  };

  constructor(
    private readonly context: SessionContext,
    private readonly journal: JournalAppender,
    private readonly recording: RecordingConfig,
    private readonly logger: Logger,
  ) {}

  // ---- client → target ----------------------------------------------------------------------

  /**
   * The statements a chunk of client messages starts (Query, Execute, FunctionCall, and a Bind
   * whose Execute is not in the same chunk: Bind runs code on the target too), and the changes
   * its Parse, Bind and Close messages ask for (see statement-requests.ts).
   */
  observe(messages: ClientMessage[]): ObservedChunk {
    let statements = new Map<ClientMessage, Statement>();
    let changes: Map<ClientMessage, StagedChange> | null = null;
    let openBinds: Map<string, StagedChange & { kind: 'bind' }> | null = null;
    let uncovered = false;
    for (const message of messages) {
      const asked = this.requests.read(message);
      if (!asked) continue;
      if ('kind' in asked) {
        (changes ??= new Map()).set(message, asked);
        if (asked.kind === 'bind') (openBinds ??= new Map()).set(asked.portal, asked);
        continue;
      }
      const statement = new Statement(
        asked.request,
        asked.endsAt,
        asked.binaryResult,
        this.recording.responseSample,
      );
      statements.set(message, statement);
      if (openBinds && asked.portal !== undefined) {
        const bind = openBinds.get(asked.portal);
        if (bind) {
          bind.coveredBy = statement;
          openBinds.delete(asked.portal);
        }
      }
    }
    if (openBinds) {
      for (const change of changes!.values())
        if (change.kind === 'bind' && !change.coveredBy) uncovered = true;
    }
    if (uncovered) {
      // Binds of their own, in the order of the messages.
      const ordered = new Map<ClientMessage, Statement>();
      for (const message of messages) {
        const change = changes!.get(message);
        if (change?.kind === 'bind' && !change.coveredBy) {
          change.statement = new Statement(
            { command: change.bound.command, params: change.bound.params, protocol: 'extended' },
            'execute',
            false,
            this.recording.responseSample,
          );
          ordered.set(message, change.statement);
        } else {
          const statement = statements.get(message);
          if (statement) ordered.set(message, statement);
        }
      }
      statements = ordered;
    }
    // read() made each request for its message alone: it is completed in place (spreading it
    // into a new object would take V8's slow path, once per statement).
    for (const statement of statements.values())
      statement.request.statementIndex = this.nextIndex++;
    return { statements, changes };
  }

  /**
   * Writes `db.query.start` for each statement and waits for the journal to commit them all
   * (one group commit). Returns false when the journal could not take them: they must not run.
   */
  async recordStarts(statements: Statement[]): Promise<boolean> {
    if (statements.length === 1) {
      // The usual case, one statement per message from the client: the same, without the
      // bookkeeping of several appends.
      const statement = statements[0]!;
      try {
        await this.journal.append(
          queryStart(this.context, statement.receivedAt, statement.request, statement.policy),
        );
        return true;
      } catch (error) {
        this.logStartFailure(error, 1);
        return false;
      }
    }
    const results = await Promise.allSettled(
      statements.map((statement) =>
        this.journal.append(
          queryStart(this.context, statement.receivedAt, statement.request, statement.policy),
        ),
      ),
    );
    const failure = results.find((result) => result.status === 'rejected');
    if (!failure) return true;
    this.logStartFailure(failure.reason, statements.length);
    // Starts that did get in must not be left open: close them as not run.
    this.closeUnforwarded(
      statements.filter((_, index) => results[index]!.status === 'fulfilled'),
      'not run: Warden could not record it',
    );
    return false;
  }

  private logStartFailure(error: unknown, statements: number): void {
    this.logger.error(
      { err: error, sessionId: this.context.sessionId, statements },
      'the journal could not record a statement; it is refused and not forwarded',
    );
  }

  /** Leaves a statement out of the record (`recording.exclude`); it still runs and counts. */
  exclude(statement: Statement): void {
    statement.recorded = false;
    this.counts.excluded++;
  }

  /** A statement refused by a guardrail or a review, whose `guardrail.blocked` is its record. */
  countBlocked(): void {
    this.counts.blocked++;
  }

  /** Records statements whose start was written but that were never forwarded. */
  closeUnforwarded(statements: Statement[], reason: string): void {
    for (const statement of statements)
      this.writeCompletion(statement, { code: null, message: reason });
  }

  expectStatement(statement: Statement): void {
    statement.forwardedAt = performance.now();
    this.counts.statements++;
    this.expected.push({ kind: 'statement', statement });
  }

  /** A Parse, Bind or Close was forwarded: it takes effect when the target acknowledges it. */
  expectChange(change: StagedChange): void {
    if (change.kind === 'bind' && change.statement) {
      change.statement.forwardedAt = performance.now();
      this.counts.statements++;
    }
    this.expected.push({ kind: 'change', change });
  }

  /** A Parse, Bind or Close that was not forwarded (refused, or after a Terminate). */
  dropChange(change: StagedChange): void {
    this.requests.unstage(change);
  }

  expectSync(): void {
    this.expected.push({ kind: 'sync' });
  }

  expectRefusal(reply: Buffer): void {
    this.pendingRefusals++;
    this.expected.push({ kind: 'refusal', reply });
  }

  /** Whether a refusal reply still waits for its place in the target's answers. */
  get awaitsRefusal(): boolean {
    return this.pendingRefusals > 0;
  }

  /** Whether the target still owes answers to messages forwarded to it. */
  get awaitsAnswers(): boolean {
    return this.expected.length > 0;
  }

  /** The statement the target is working on (what a cancel interrupts). */
  runningStatement(): Statement | null {
    const head = this.expected.find((entry) => entry.kind === 'statement');
    return head?.kind === 'statement' ? head.statement : null;
  }

  // ---- target → client ----------------------------------------------------------------------

  /** How many body bytes of a message of this type the recorder wants to see. */
  bodyLimit(type: number): number {
    switch (type) {
      case Type.readyForQuery:
      case Type.copyOutResponse:
        return 1;
      case Type.commandComplete:
        return 1024;
      case Type.errorResponse:
        return 64 * 1024;
    }
    const sample = this.headStatement()?.sample;
    if (!sample || sample.full) return 0;
    switch (type) {
      case Type.rowDescription:
        return 1024 * 1024;
      // A rendered value is never shorter than half its raw bytes (hex doubles), plus headers.
      case Type.dataRow:
      case Type.copyData:
      case Type.functionCallResponse:
        return 2 * sample.remaining + 64;
      default:
        return 0;
    }
  }

  /**
   * Attributes one message from the target. Returns bytes the client must receive before this
   * message (the error reply of a refused statement, ahead of the ReadyForQuery that answers the
   * Sync sent in its place), or null.
   */
  observeServerMessage(message: ScannedMessage): Buffer | null {
    if (message.type === Type.readyForQuery) return this.onReadyForQuery(message.body[0]);
    if (asynchronousTypes.has(message.type)) return null;
    const head = this.expected[0];
    if (head?.kind === 'change') {
      this.onChangeAnswer(head.change, message);
      return null;
    }
    const statement = this.headStatement();
    if (!statement) {
      // An error outside any statement (a Parse or Bind failing before its Execute was queued).
      if (message.type === Type.errorResponse) this.skippingToSync = true;
      return null;
    }
    if (statement.absorb(message)) {
      this.completeHead();
      // After an error in the extended protocol the target skips to the next Sync.
      if (statement.error) this.skippingToSync = true;
    }
    return null;
  }

  /** The target's answer while a Parse, Bind or Close is the oldest unanswered message. */
  private onChangeAnswer(change: StagedChange, message: ScannedMessage): void {
    const own = change.kind === 'bind' ? change.statement : null;
    if (message.type === ackTypes[change.kind]) {
      this.expected.shift();
      this.requests.apply(change);
      if (own) this.complete(own);
    } else if (message.type === Type.errorResponse) {
      this.expected.shift();
      this.requests.unstage(change);
      if (own) {
        own.absorb(message);
        this.complete(own);
      } else if (change.kind === 'bind' && change.coveredBy) {
        // The Execute it covers is skipped: it is recorded with the Bind's error.
        change.coveredBy.absorb(message);
      }
      this.skippingToSync = true;
    }
    // Anything else answers a Describe sent in between (ParameterDescription, NoData, ...).
  }

  private headStatement(): Statement | null {
    const head = this.expected[0];
    return head?.kind === 'statement' ? head.statement : null;
  }

  private completeHead(): void {
    const head = this.expected.shift();
    if (head?.kind === 'statement') this.complete(head.statement);
  }

  /** ReadyForQuery ends a Query, a FunctionCall or a Sync, and whatever was skipped before it. */
  private onReadyForQuery(status: number | undefined): Buffer | null {
    const skipped = this.skippingToSync;
    this.skippingToSync = false;
    // Idle: the transaction ended, and with it every portal.
    if (status === 0x49) this.requests.transactionEnded();
    while (this.expected.length > 0) {
      const entry = this.expected.shift()!;
      if (entry.kind === 'refusal') {
        this.pendingRefusals--;
        return entry.reply;
      }
      if (entry.kind === 'sync') return null;
      let statement: Statement;
      if (entry.kind === 'change') {
        this.requests.unstage(entry.change);
        if (entry.change.kind !== 'bind' || !entry.change.statement) continue;
        statement = entry.change.statement;
      } else {
        statement = entry.statement;
      }
      if (statement.endsAt === 'ready' && !skipped) {
        this.complete(statement);
        return null;
      }
      this.complete(
        statement,
        statement.error ?? {
          code: null,
          message: skipped
            ? 'not run: an earlier statement in the same pipeline failed'
            : 'no result: the target answered without running it',
        },
      );
    }
    return null;
  }

  // ---- completion ---------------------------------------------------------------------------

  private complete(statement: Statement, override: EventError | null = null): void {
    const error = override ?? statement.error;
    // DEALLOCATE or DISCARD ALL in SQL (simple or extended): prepared statements may be gone.
    for (const tag of statement.tags)
      if (tag.startsWith('DEALLOCATE') || tag === 'DISCARD ALL') this.requests.forgetPrepared();
    if (error) this.counts.errors++;
    this.counts.rows += statement.rows;
    this.writeCompletion(statement, error);
  }

  private writeCompletion(statement: Statement, error: EventError | null): void {
    if (!statement.recorded) return;
    const durationMs =
      statement.forwardedAt > 0 ? round(performance.now() - statement.forwardedAt) : 0;
    // Keys in sorted order, as event-drafts.ts says why.
    const response = {
      bytes: statement.bytes,
      rows: statement.rows,
      sample: statement.sample.text(),
      tags: statement.tags,
      truncated: statement.sample.truncated,
    };
    this.appendInBackground(
      queryCompleted(
        this.context,
        statement.receivedAt,
        statement.request,
        response,
        error,
        durationMs,
        statement.policy,
      ),
    );
  }

  /** The session ended: statements still waiting for an answer are recorded as unfinished. */
  abandon(reason: string): void {
    this.pendingRefusals = 0;
    for (const entry of this.expected.splice(0)) {
      if (entry.kind === 'statement')
        this.complete(entry.statement, { code: null, message: reason });
      else if (entry.kind === 'change') {
        this.requests.unstage(entry.change);
        if (entry.change.kind === 'bind' && entry.change.statement)
          this.complete(entry.change.statement, { code: null, message: reason });
      }
    }
  }

  totals(): RecorderTotals {
    return { ...this.counts };
  }

  /** Appends an event without holding up the data path; a failure is logged. */
  appendInBackground(draft: EventDraft): void {
    this.inFlight++;
    // Nothing waits for it: it joins the next group commit rather than making one.
    this.journal
      .append(draft, { awaited: false })
      .then(this.backgroundAppendSettled, (error: unknown) => {
        this.logger.error(
          { err: error, sessionId: this.context.sessionId, type: draft.type },
          'could not record an event',
        );
        this.backgroundAppendSettled();
      });
  }

  private readonly backgroundAppendSettled = (): void => {
    if (--this.inFlight > 0) return;
    const waiting = this.whenSettled;
    this.whenSettled = [];
    for (const wake of waiting) wake();
  };

  /** Resolves when every event written so far has been committed (or failed). */
  async settled(): Promise<void> {
    while (this.inFlight > 0) await new Promise<void>((resolve) => this.whenSettled.push(resolve));
  }
}

function round(milliseconds: number): number {
  return Math.round(milliseconds * 1000) / 1000;
}
