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
import type { AuditEvent, EventDraft, EventError } from '../../audit/event.js';
import type { RecordingConfig } from '../../config/types.js';
import type { Logger } from '../../log/index.js';
import type { ClientMessage } from './client-reader.js';
import { queryCompleted, queryStart, type SessionContext } from './event-drafts.js';
import type { ScannedMessage } from './server-scanner.js';
import { ServerMessageType as Type } from './server-messages.js';
import { Statement } from './statement.js';
import { StatementRequests } from './statement-requests.js';

export interface JournalAppender {
  append(draft: EventDraft): Promise<AuditEvent>;
}

// Messages the target may send at any time, not part of any statement's answer.
const asynchronousTypes = new Set<number>([
  Type.notificationResponse,
  Type.noticeResponse,
  Type.parameterStatus,
]);

type Expected =
  | { kind: 'statement'; statement: Statement }
  | { kind: 'sync' }
  /** A Sync forwarded in place of refused messages: the client gets `reply` before its ReadyForQuery. */
  | { kind: 'refusal'; reply: Buffer };

export interface RecorderTotals {
  statements: number;
  errors: number;
  rows: number;
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
  private readonly counts: RecorderTotals = { statements: 0, errors: 0, rows: 0 };

  constructor(
    private readonly context: SessionContext,
    private readonly journal: JournalAppender,
    private readonly recording: RecordingConfig,
    private readonly logger: Logger,
  ) {}

  // ---- client → target ----------------------------------------------------------------------

  /** The statement a Query, Execute or FunctionCall starts, else null (see statement-requests.ts). */
  observeClientMessage(message: ClientMessage): Statement | null {
    const asked = this.requests.read(message);
    if (!asked) return null;
    // read() made the request for this message alone: it is completed in place (spreading it
    // into a new object would take V8's slow path, once per statement).
    const request = asked.request;
    request.statementIndex = this.nextIndex++;
    return new Statement(request, asked.endsAt, asked.binaryResult, this.recording.responseSample);
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
          queryStart(this.context, statement.receivedAt, statement.request),
        );
        return true;
      } catch (error) {
        this.logStartFailure(error, 1);
        return false;
      }
    }
    const results = await Promise.allSettled(
      statements.map((statement) =>
        this.journal.append(queryStart(this.context, statement.receivedAt, statement.request)),
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
    if (message.type === Type.readyForQuery) return this.onReadyForQuery();
    if (asynchronousTypes.has(message.type)) return null;
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

  private headStatement(): Statement | null {
    const head = this.expected[0];
    return head?.kind === 'statement' ? head.statement : null;
  }

  private completeHead(): void {
    const head = this.expected.shift();
    if (head?.kind === 'statement') this.complete(head.statement);
  }

  /** ReadyForQuery ends a Query, a FunctionCall or a Sync, and whatever was skipped before it. */
  private onReadyForQuery(): Buffer | null {
    const skipped = this.skippingToSync;
    this.skippingToSync = false;
    while (this.expected.length > 0) {
      const entry = this.expected.shift()!;
      if (entry.kind === 'refusal') {
        this.pendingRefusals--;
        return entry.reply;
      }
      if (entry.kind === 'sync') return null;
      const statement = entry.statement;
      if (statement.endsAt === 'ready' && !skipped) {
        this.complete(statement);
        return null;
      }
      this.complete(statement, {
        code: null,
        message: skipped
          ? 'not run: an earlier statement in the same pipeline failed'
          : 'no result: the target answered without running it',
      });
    }
    return null;
  }

  // ---- completion ---------------------------------------------------------------------------

  private complete(statement: Statement, override: EventError | null = null): void {
    const error = override ?? statement.error;
    if (error) this.counts.errors++;
    this.counts.rows += statement.rows;
    this.writeCompletion(statement, error);
  }

  private writeCompletion(statement: Statement, error: EventError | null): void {
    const durationMs =
      statement.forwardedAt > 0 ? round(performance.now() - statement.forwardedAt) : 0;
    const response = {
      rows: statement.rows,
      bytes: statement.bytes,
      sample: statement.sample.text(),
      truncated: statement.sample.truncated,
      tags: statement.tags,
    };
    this.appendInBackground(
      queryCompleted(
        this.context,
        statement.receivedAt,
        statement.request,
        response,
        error,
        durationMs,
      ),
    );
  }

  /** The session ended: statements still waiting for an answer are recorded as unfinished. */
  abandon(reason: string): void {
    this.pendingRefusals = 0;
    for (const entry of this.expected.splice(0)) {
      if (entry.kind === 'statement')
        this.complete(entry.statement, { code: null, message: reason });
    }
  }

  totals(): RecorderTotals {
    return { ...this.counts };
  }

  /** Appends an event without holding up the data path; a failure is logged. */
  appendInBackground(draft: EventDraft): void {
    this.inFlight++;
    this.journal.append(draft).then(this.backgroundAppendSettled, (error: unknown) => {
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
