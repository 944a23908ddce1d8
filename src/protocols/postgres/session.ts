// One proxied session, after startup: client bytes go to the target and target bytes go to the
// client, with the recorder watching both directions.
//
// Client → target: messages are framed (see client-reader.ts) and the ones that run something
// (Query, Execute, FunctionCall) are gated: all of them in one received chunk are written to the
// journal together, and the chunk is forwarded only once they are committed; reading from the
// client pauses meanwhile. If the journal fails, those statements are refused and never reach
// the target: a Query or FunctionCall is replaced by a Sync, an Execute and what follows it up
// to the client's Sync are dropped (as the server itself would after an error), and the client
// gets an ErrorResponse just before the ReadyForQuery that answers that Sync. Routing the
// refusal through a real Sync keeps the target's state and the order of answers intact.
//
// Before that, the connection's command gate (policy/command-gate.ts) sees each statement: a
// guardrail may block it (the client gets the rule's message as an ErrorResponse, through the
// same Sync-in-its-place path, and the session stays usable), hold it for review (reading from
// the client pauses until a decision; approved, it is recorded and forwarded; refused, it is
// answered like a block), or leave it out of the record (`recording.exclude`).
//
// Target → client: chunks are forwarded as they arrive, scanned (headers only) on the way. On a
// connection that masks results for the client (`masking.results`), target bytes are first cut
// into whole messages, and each DataRow passes through the masker: such a session holds one
// whole target message at a time (at most maxMessageBytes).
//
// Backpressure both ways: when a socket's write buffer is full, the other side stops reading
// until it drains, so a result of millions of rows passes with bounded memory.
import type { Socket } from 'node:net';
import { serialize } from 'pg-protocol';
import type { EventError, EventPolicy, SessionTotals } from '../../audit/event.js';
import type { PostgresTarget, RecordingConfig } from '../../config/types.js';
import type { Logger } from '../../log/index.js';
import type { CommandGate, CommandVerdict } from '../../policy/index.js';
import type { PendingReview, ReviewService } from '../../reviews/index.js';
import { errorResponse, noticeResponse } from './backend-messages.js';
import { closeSocket } from './close-socket.js';
import type { DataRowMasker } from './data-row-masking.js';
import { coalesce, type ClientMessage, type ClientMessageReader } from './client-reader.js';
import {
  AccessExpired,
  ClientFacingError,
  GatewayShutdown,
  SqlState,
  TokenExpired,
} from './errors.js';
import {
  cancel as cancelEvent,
  guardrailBlocked,
  sessionEnd,
  type SessionContext,
} from './event-drafts.js';
import { SessionRecorder, type JournalAppender } from './recorder.js';
import type { Statement } from './statement.js';
import type { StagedChange } from './statement-requests.js';
import { ServerMessageScanner, type ScannedMessage } from './server-scanner.js';
import { decodeErrorFields, ServerMessageType, type ServerError } from './server-messages.js';
import { sendCancelRequest, type UpstreamConnection } from './upstream.js';

export type EndReason =
  | 'client_terminated'
  | 'client_disconnected'
  | 'upstream_closed'
  | 'gateway_shutdown'
  | 'token_expired'
  | 'access_expired'
  | 'error';

const emptyBuffer = Buffer.alloc(0);

/** How long answers still due are awaited after the client left. */
const leaveWaitMs = 5000;

const refusedStatementReply = errorResponse(
  new ClientFacingError(
    SqlState.systemError,
    'Warden could not record this statement, so it was not run',
    'ERROR',
  ),
);

export interface ProxySessionOptions {
  client: Socket;
  /** The startup reader, with any bytes the client already sent after its password. */
  reader: ClientMessageReader;
  upstream: UpstreamConnection;
  target: PostgresTarget;
  context: SessionContext;
  journal: JournalAppender;
  recording: RecordingConfig;
  logger: Logger;
  startedAt: number;
  /** The largest client message taken (listeners.postgres.maxMessageBytes). */
  maxMessageBytes: number;
  /**
   * When the access token stops being honoured (its expiry plus the allowed clock skew): the
   * session ends then (null: it does not expire).
   */
  endsAt?: Date | null;
  /** When the approved access request the session opened under runs out (null: none). */
  accessUntil?: Date | null;
  /** Guardrails and recording exclusions of the connection. */
  gate: CommandGate;
  /** Where statements held for review go; null: a review rule refuses like a block. */
  reviews: Pick<ReviewService, 'requestCommandReview'> | null;
  /** Masks what the client receives (`masking.results`); null: results pass as they are. */
  resultMasker: DataRowMasker | null;
}

type PauseReason = 'journal' | 'target-busy' | 'review';

/** The longest delay setTimeout takes (about 24.8 days); longer waits are re-armed. */
const maxTimerDelayMs = 0x7fffffff;

export class ProxySession {
  private readonly client: Socket;
  private readonly upstreamSocket: Socket;
  private readonly reader: ClientMessageReader;
  private readonly recorder: SessionRecorder;
  private readonly scanner: ServerMessageScanner;
  private readonly logger: Logger;

  private readonly inbox: Buffer[] = [];
  /** Complete messages held for the next round, until the message being received is in. */
  private carried: ClientMessage[] = [];
  private processing = false;
  /** Set while statements wait for their `db.query.start` to commit. */
  private awaitingJournal = false;
  private readonly pauseReasons = new Set<PauseReason>();
  /**
   * Set while dropping refused extended-protocol messages up to the client's Sync: the refusal
   * the client gets at that Sync.
   */
  private discardReply: Buffer | null = null;
  /** The review a statement waits for, withdrawn if the session ends first. */
  private pendingReview: PendingReview | null = null;
  /** Target bytes held back while a refusal reply may need to go in front of them. */
  private heldBack: Buffer | null = null;
  /** Set once the client left (Terminate or disconnect) while answers were still due. */
  private leaving: 'client_terminated' | 'client_disconnected' | null = null;
  private leaveTimer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  /** The FATAL error with which the target ended the session itself (the client has it too). */
  private targetFatal: ServerError | null = null;
  /** With result masking: the start of a target message whose end has not arrived yet. */
  private partialTargetMessage: Buffer | null = null;
  /** With result masking: values masked in what the client received, by detector. */
  private readonly maskedForClient: Record<string, number> = {};

  private bytesFromClient = 0;
  private bytesToClient = 0;
  private endReason: EndReason | null = null;
  private resolveEnded!: () => void;
  /** Resolves once `session.end` is recorded. */
  readonly ended = new Promise<void>((resolve) => (this.resolveEnded = resolve));

  constructor(private readonly options: ProxySessionOptions) {
    this.client = options.client;
    this.upstreamSocket = options.upstream.socket;
    this.reader = options.reader;
    this.logger = options.logger;
    this.recorder = new SessionRecorder(
      options.context,
      options.journal,
      options.recording,
      options.logger,
    );
    this.scanner = new ServerMessageScanner((type) => this.recorder.bodyLimit(type));
    this.reader.expectTypedMessages(options.maxMessageBytes, 'listeners.postgres.maxMessageBytes');
  }

  /** Starts relaying. The client has been told AuthenticationOk and ReadyForQuery already. */
  start(): void {
    this.client.on('data', (chunk: Buffer) => this.onClientData(chunk));
    this.client.on('error', (error) =>
      this.logger.debug({ err: error }, 'client connection error'),
    );
    this.client.on('close', () => this.endAfterAnswers('client_disconnected'));
    this.upstreamSocket.on('data', (chunk: Buffer) => this.onUpstreamData(chunk));
    this.upstreamSocket.on('error', (error) =>
      this.logger.warn({ err: error }, 'target connection error'),
    );
    this.upstreamSocket.on('close', () => this.onUpstreamClosed());
    this.armExpiry();
    // The client may have gone while the target was being connected.
    if (this.client.destroyed) this.finish('client_disconnected');
    else if (this.reader.pendingBytes > 0) void this.processInbox();
  }

  /** Ends the session when the access token, or the approved access it opened under, expires. */
  private armExpiry(): void {
    const token = this.options.endsAt?.getTime() ?? Infinity;
    const access = this.options.accessUntil?.getTime() ?? Infinity;
    const at = Math.min(token, access);
    if (at === Infinity) return;
    const delay = at - Date.now();
    if (delay > maxTimerDelayMs) {
      this.expiryTimer = setTimeout(() => this.armExpiry(), maxTimerDelayMs);
    } else {
      this.expiryTimer = setTimeout(
        () => {
          const [reason, expired] =
            access <= token
              ? (['access_expired', new AccessExpired()] as const)
              : (['token_expired', new TokenExpired()] as const);
          this.finish(
            reason,
            { code: expired.code, message: expired.message },
            errorResponse(expired),
          );
        },
        Math.max(0, delay),
      );
    }
    this.expiryTimer.unref();
  }

  /** Forwards a client's CancelRequest to the target with the target's own key, and records it. */
  async cancel(): Promise<void> {
    const running = this.recorder.runningStatement();
    const key = this.options.upstream.backendKey;
    let error: EventError | null = null;
    try {
      if (!key) throw new Error('the target gave no cancel key for this session');
      await sendCancelRequest(this.options.target, key);
    } catch (cause) {
      error = {
        code: null,
        message: `could not forward the cancel request: ${(cause as Error).message}`,
      };
      this.logger.warn(
        { sessionId: this.options.context.sessionId, err: cause },
        'cancel request not forwarded',
      );
    }
    this.recorder.appendInBackground(
      cancelEvent(this.options.context, running?.request ?? null, error),
    );
  }

  /** Ends the session because the gateway is shutting down. */
  shutdown(): Promise<void> {
    this.finish('gateway_shutdown');
    return this.ended;
  }

  // ---- client → target ----------------------------------------------------------------------

  private onClientData(chunk: Buffer): void {
    if (this.leaving) return;
    this.bytesFromClient += chunk.length;
    this.inbox.push(chunk);
    // Reading stops while the journal commits, from the first chunk that arrives meanwhile:
    // pausing up front would cost a pause and a resume per statement, though clients mostly
    // wait for the answer before they send more.
    if (this.awaitingJournal) this.pause('journal');
    if (!this.processing) void this.processInbox();
  }

  /** Handles client chunks strictly one after another, however long the journal takes. */
  private async processInbox(): Promise<void> {
    this.processing = true;
    try {
      do {
        const chunk = this.inbox.shift();
        if (chunk) this.reader.push(chunk);
        await this.processMessages();
      } while (this.inbox.length > 0 && !this.endReason);
    } catch (error) {
      this.failOnClientInput(error as Error);
    } finally {
      this.processing = false;
    }
  }

  private async processMessages(): Promise<void> {
    const messages = this.carried;
    this.carried = [];
    for (let message = this.reader.next(); message; message = this.reader.next())
      messages.push(message);
    if (this.reader.pendingBytes > 0) {
      // A Bind whose Execute may be the message still arriving waits for it, so that one
      // `db.query.start` covers both (a Bind alone is gated on its own).
      let cut = messages.length;
      for (let i = messages.length - 1; i >= 0; i--) {
        const type = messages[i]!.type;
        if (type === 'E' || type === 'S' || type === 'X') break;
        if (type === 'B') cut = i;
      }
      if (cut < messages.length) this.carried = messages.splice(cut);
    }
    if (messages.length === 0 || this.endReason || this.leaving) return;

    // Also for messages a refusal will drop: forward() unstages their changes.
    const { statements, changes } = this.recorder.observe(messages);
    const refusals =
      statements.size > 0 && this.options.gate.active ? await this.applyGate(statements) : null;
    if (this.endReason) {
      if (changes) for (const change of changes.values()) this.recorder.dropChange(change);
      return;
    }
    const toRecord: Statement[] = [];
    for (const statement of statements.values())
      if (statement.recorded && !refusals?.has(statement)) toRecord.push(statement);
    let unrecordable = false;
    if (toRecord.length > 0) {
      this.awaitingJournal = true;
      unrecordable = !(await this.recorder.recordStarts(toRecord));
      this.awaitingJournal = false;
      if (this.pauseReasons.has('journal')) this.resume('journal');
      if (this.endReason) {
        if (!unrecordable)
          this.recorder.closeUnforwarded(toRecord, 'not run: the session ended first');
        if (changes) for (const change of changes.values()) this.recorder.dropChange(change);
        return;
      }
    }
    if (unrecordable) {
      const all = refusals ?? new Map<Statement, Buffer>();
      for (const statement of toRecord) all.set(statement, refusedStatementReply);
      this.forward(messages, statements, changes, all);
    } else {
      this.forward(messages, statements, changes, refusals);
    }
  }

  // ---- the command gate ---------------------------------------------------------------------

  /**
   * Puts each statement through the connection's guardrails and exclusions, in order. Returns
   * the refused ones, each with the ErrorResponse the client gets in its place.
   */
  private async applyGate(
    statements: Map<ClientMessage, Statement>,
  ): Promise<Map<Statement, Buffer> | null> {
    let refusals: Map<Statement, Buffer> | null = null;
    for (const statement of statements.values()) {
      if (this.endReason) break;
      const verdict = this.options.gate.check(statement.request.command);
      if (verdict.action === 'forward') {
        if (!verdict.recorded) this.recorder.exclude(statement);
        continue;
      }
      const refusal =
        verdict.action === 'review' && this.options.reviews
          ? await this.holdForReview(statement, verdict)
          : await this.refuse(statement, {
              rule: verdict.rule,
              action: 'block',
              message: verdict.message,
            });
      if (refusal) (refusals ??= new Map()).set(statement, refusal);
    }
    return refusals;
  }

  /**
   * Records the refusal (`guardrail.blocked`) and returns the client's ErrorResponse. The
   * statement is refused even if the record cannot be written: it never runs either way.
   */
  private async refuse(
    statement: Statement,
    policy: EventPolicy & { message: string },
  ): Promise<Buffer> {
    this.recorder.countBlocked();
    const { message } = policy;
    const error = new ClientFacingError(SqlState.insufficientPrivilege, message, 'ERROR');
    // Withdrawn because the session ended: its review.withdrawn is the record.
    if (this.endReason) return errorResponse(error);
    try {
      await this.options.journal.append(
        guardrailBlocked(this.options.context, statement.receivedAt, statement.request, policy, {
          code: error.code,
          message,
        }),
      );
    } catch (cause) {
      this.logger.error(
        { err: cause, sessionId: this.options.context.sessionId, rule: policy.rule },
        'could not record a refused statement',
      );
    }
    return errorResponse(error);
  }

  /**
   * Opens a review for the statement and waits for its decision, reading nothing more from the
   * client meanwhile. Returns null when approved (the statement then runs, its events naming the
   * review), else the refusal.
   */
  private async holdForReview(
    statement: Statement,
    verdict: Extract<CommandVerdict, { action: 'review' }>,
  ): Promise<Buffer | null> {
    const { context } = this.options;
    this.pause('review');
    try {
      let pending: PendingReview;
      try {
        pending = await this.options.reviews!.requestCommandReview({
          connection: context.connection,
          rule: verdict.rule,
          policy: verdict.review,
          actor: context.actor,
          source: context.source,
          sessionId: context.sessionId,
          command: statement.request.command,
          params: statement.request.params,
        });
      } catch (cause) {
        this.logger.error(
          { err: cause, sessionId: context.sessionId, rule: verdict.rule },
          'could not open a review; the statement is refused',
        );
        return this.refuse(statement, {
          rule: verdict.rule,
          action: 'block',
          message: `Warden: this statement needs a review (${verdict.rule}), which could not be opened, so it was not run`,
        });
      }
      this.pendingReview = pending;
      if (this.endReason) pending.withdraw('the session ended');
      else this.tellClient(holdNotice(pending, verdict));
      const decision = await pending.decision;
      this.pendingReview = null;
      if (decision.approved) {
        statement.policy = { rule: verdict.rule, action: 'approve', reviewId: pending.id };
        return null;
      }
      const action = { denied: 'deny', expired: 'expire', withdrawn: 'withdraw' }[decision.outcome];
      return this.refuse(statement, {
        rule: verdict.rule,
        action,
        reviewId: pending.id,
        message: `Warden: review ${pending.id} ${decision.outcome === 'denied' ? `was denied${decision.by ? ` by ${decision.by}` : ''}` : decision.outcome}: ${decision.reason}`,
      });
    } finally {
      this.resume('review');
    }
  }

  /**
   * Sends the client a message of the gateway's own, when that cannot split a message of the
   * target's: only while the target owes nothing (it is then not sending).
   */
  private tellClient(bytes: Buffer): void {
    if (this.recorder.awaitsAnswers || this.scanner.inMessage || this.client.destroyed) return;
    this.bytesToClient += bytes.length;
    this.client.write(bytes);
  }

  /**
   * Forwards a chunk's messages. A refused statement (`refusals`: its reply) never reaches the
   * target: a Query or FunctionCall is replaced by a Sync, and an Execute (or a Bind, of its own
   * or covering a refused Execute) and what follows it up to the client's Sync are dropped.
   */
  private forward(
    messages: ClientMessage[],
    statements: Map<ClientMessage, Statement>,
    changes: Map<ClientMessage, StagedChange> | null,
    refusals: Map<Statement, Buffer> | null,
  ): void {
    const out: Buffer[] = [];
    let terminate = false;
    for (const message of messages) {
      const statement = statements.get(message);
      const change = changes?.get(message);
      if (terminate || this.discardReply) {
        if (change) this.recorder.dropChange(change);
        // Its start is committed (a refused one has no start, or recordStarts closed it).
        if (statement && !refusals?.has(statement))
          this.recorder.closeUnforwarded(
            [statement],
            terminate
              ? 'not run: the client sent it after Terminate'
              : 'not run: an earlier statement in the same pipeline was refused',
          );
        if (!terminate && message.type === 'S') {
          out.push(message.bytes);
          this.recorder.expectRefusal(this.discardReply!);
          this.discardReply = null;
        }
        continue;
      }
      if (message.type === 'X') {
        // Not forwarded: the target gets its Terminate once it has answered what came before.
        terminate = true;
        continue;
      }
      const refusal =
        refusals &&
        (statement
          ? refusals.get(statement)
          : change?.kind === 'bind' && change.coveredBy
            ? refusals.get(change.coveredBy)
            : undefined);
      if (refusal) {
        if (message.type === 'E' || message.type === 'B') {
          if (change) this.recorder.dropChange(change);
          this.discardReply = refusal;
        } else {
          out.push(serialize.sync());
          this.recorder.expectRefusal(refusal);
        }
        continue;
      }
      out.push(message.bytes);
      if (change) this.recorder.expectChange(change);
      else if (statement) this.recorder.expectStatement(statement);
      else if (message.type === 'S') this.recorder.expectSync();
    }
    this.writeTo(this.upstreamSocket, coalesce(out), this.targetBusy, this.targetReady);
    if (terminate) this.endAfterAnswers('client_terminated');
  }

  /**
   * The client is gone or going: what it sent before still runs on the target, so the session
   * ends once those answers are in (and recorded with their real results), or after a bound.
   */
  private endAfterAnswers(reason: 'client_terminated' | 'client_disconnected'): void {
    if (this.endReason || this.leaving) return;
    if (!this.recorder.awaitsAnswers) {
      this.finish(reason);
      return;
    }
    this.leaving = reason;
    if (!this.client.destroyed) this.client.pause();
    this.leaveTimer = setTimeout(() => this.finish(reason), leaveWaitMs);
    this.leaveTimer.unref();
  }

  private pause(reason: PauseReason): void {
    this.pauseReasons.add(reason);
    this.client.pause();
  }

  private resume(reason: PauseReason): void {
    this.pauseReasons.delete(reason);
    if (this.pauseReasons.size === 0 && !this.endReason && !this.leaving) this.client.resume();
  }

  // ---- target → client ----------------------------------------------------------------------

  private onUpstreamData(received: Buffer): void {
    if (this.endReason) return;
    let chunk = received;
    if (this.options.resultMasker) {
      try {
        chunk = this.maskResults(received, this.options.resultMasker);
      } catch (error) {
        this.failOnTargetData(error as Error);
        return;
      }
      if (chunk.length === 0) return;
    }
    let data = chunk;
    let base = 0;
    if (this.heldBack) {
      data = Buffer.concat([this.heldBack, chunk]);
      base = this.heldBack.length;
      this.heldBack = null;
    }
    const scan = this.upstreamScan;
    scan.data = data;
    scan.base = base;
    scan.written = 0;
    scan.pieces.length = 0;
    try {
      this.scanner.scan(chunk, this.onServerMessage);
    } catch (error) {
      this.failOnTargetData(error as Error);
      return;
    }
    const { written, pieces } = scan;
    scan.data = emptyBuffer;
    let end = data.length;
    // A refusal reply goes just before a ReadyForQuery: keep an unfinished message back until
    // it is known not to be that ReadyForQuery.
    if (this.scanner.inMessage && this.recorder.awaitsRefusal)
      end = Math.max(base + this.scanner.pendingStart, written);
    if (end < data.length) this.heldBack = Buffer.from(data.subarray(end));
    // Usually the chunk goes on whole: no refusal reply to put in, nothing held back.
    const rest = written === 0 && end === data.length ? data : data.subarray(written, end);
    let bytes = rest.length;
    for (const piece of pieces) bytes += piece.length;
    this.bytesToClient += bytes;
    if (pieces.length === 0) {
      this.writeTo(this.client, rest, this.clientBusy, this.clientReady);
    } else {
      pieces.push(rest);
      this.writeTo(this.client, pieces.splice(0), this.clientBusy, this.clientReady);
    }
    if (this.leaving && !this.recorder.awaitsAnswers) this.finish(this.leaving);
  }

  private failOnTargetData(error: Error): void {
    this.logger.error(
      { err: error, sessionId: this.options.context.sessionId },
      'unreadable data from the target',
    );
    const lost = new ClientFacingError(
      SqlState.protocolViolation,
      `Warden could not read the target's answer: ${error.message}`,
    );
    this.finish('error', { code: lost.code, message: lost.message }, errorResponse(lost));
  }

  /**
   * The whole target messages of `received` (after the partial one held from before), with each
   * DataRow the masker changes replaced; an unfinished last message is held for the next chunk.
   */
  private maskResults(received: Buffer, masker: DataRowMasker): Buffer {
    const data = this.partialTargetMessage
      ? Buffer.concat([this.partialTargetMessage, received])
      : received;
    this.partialTargetMessage = null;
    const pieces: Buffer[] = [];
    let copiedTo = 0;
    let position = 0;
    while (data.length - position >= 5) {
      const length = data.readInt32BE(position + 1);
      // A bad length is the scanner's to report: the rest goes on as it is.
      if (length < 4) return Buffer.concat([...pieces, data.subarray(copiedTo)]);
      const end = position + 1 + length;
      if (end > data.length) break;
      const type = data[position];
      const body = data.subarray(position + 5, end);
      if (type === ServerMessageType.rowDescription) masker.describe(body);
      else if (type === ServerMessageType.dataRow) {
        const masked = masker.mask(body, this.maskedForClient);
        if (masked) {
          pieces.push(data.subarray(copiedTo, position), masked);
          copiedTo = end;
        }
      }
      position = end;
    }
    if (position < data.length) {
      const pending = data.length - position;
      const declared = pending >= 5 ? data.readInt32BE(position + 1) + 1 : 0;
      if (declared > this.options.maxMessageBytes)
        throw new Error(
          `a message of ${declared} bytes is larger than listeners.postgres.maxMessageBytes, which bounds what result masking holds`,
        );
      this.partialTargetMessage = Buffer.from(data.subarray(position));
    }
    if (pieces.length === 0) return data.subarray(0, position);
    pieces.push(data.subarray(copiedTo, position));
    return Buffer.concat(pieces);
  }

  /** Where the scan of the target chunk being handled stands (reused: one chunk at a time). */
  private readonly upstreamScan = {
    /** The bytes to forward: the chunk, after any bytes held back from the previous one. */
    data: emptyBuffer as Buffer,
    /** Where the chunk starts in `data`. */
    base: 0,
    /** How much of `data` is already in `pieces`. */
    written: 0,
    /** What goes to the client before `data` from `written` on, with refusal replies put in. */
    pieces: [] as Buffer[],
  };

  private readonly onServerMessage = (message: ScannedMessage): void => {
    if (message.type === ServerMessageType.errorResponse) this.noteFatal(message.body);
    const reply = this.recorder.observeServerMessage(message);
    if (!reply) return;
    const scan = this.upstreamScan;
    const at = Math.max(scan.base + message.start, scan.written);
    scan.pieces.push(scan.data.subarray(scan.written, at), reply);
    scan.written = at;
  };

  // Backpressure, bound once rather than per write.
  private readonly targetBusy = (): void => this.pause('target-busy');
  private readonly targetReady = (): void => this.resume('target-busy');
  private readonly clientBusy = (): void => {
    this.upstreamSocket.pause();
  };
  private readonly clientReady = (): void => {
    this.upstreamSocket.resume();
  };

  /** Writes pieces in order; when the socket's buffer is full, `stall` until it drains. */
  private writeTo(
    socket: Socket,
    pieces: Buffer | Buffer[],
    stall: () => void,
    proceed: () => void,
  ): void {
    if (socket.destroyed) return;
    let writable = true;
    if (Buffer.isBuffer(pieces)) {
      if (pieces.length === 0) return;
      writable = socket.write(pieces);
    } else {
      const nonEmpty = pieces.filter((piece) => piece.length > 0);
      if (nonEmpty.length === 0) return;
      if (nonEmpty.length > 1) socket.cork();
      for (const piece of nonEmpty) writable = socket.write(piece);
      if (nonEmpty.length > 1) socket.uncork();
    }
    if (!writable) {
      stall();
      socket.once('drain', proceed);
    }
  }

  // ---- the end ------------------------------------------------------------------------------

  private noteFatal(errorBody: Buffer): void {
    const error = decodeErrorFields(errorBody);
    if (error.severity === 'FATAL' || error.severity === 'PANIC') this.targetFatal = error;
  }

  /** Without a FATAL of its own from the target, the client is told what happened. */
  private onUpstreamClosed(): void {
    if (this.targetFatal) {
      this.finish('upstream_closed', {
        code: this.targetFatal.code,
        message: this.targetFatal.message,
      });
      return;
    }
    const lost = new ClientFacingError(
      SqlState.connectionFailure,
      `Warden lost the connection to the target ${this.options.context.connection.name}`,
    );
    this.finish('upstream_closed', { code: lost.code, message: lost.message }, errorResponse(lost));
  }

  private failOnClientInput(error: Error): void {
    const clientError =
      error instanceof ClientFacingError
        ? error
        : new ClientFacingError(SqlState.internalError, 'Warden could not handle this message');
    if (!(error instanceof ClientFacingError)) {
      this.logger.error(
        { err: error, sessionId: this.options.context.sessionId },
        'session failed',
      );
    }
    this.finish(
      'error',
      { code: clientError.code, message: clientError.message },
      errorResponse(clientError),
    );
  }

  private finish(
    reason: EndReason,
    error: EventError | null = null,
    farewell: Buffer | null = null,
  ): void {
    if (this.endReason) return;
    this.endReason = reason;
    if (this.leaveTimer) clearTimeout(this.leaveTimer);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.pendingReview?.withdraw(`the session ended (${reason.replace('_', ' ')})`);
    const { context, startedAt } = this.options;

    if (this.heldBack && !this.client.destroyed) this.client.write(this.heldBack);
    if (reason === 'gateway_shutdown') farewell = errorResponse(new GatewayShutdown());
    closeSocket(this.client, farewell);
    // A Terminate tells the target's backend to end cleanly.
    closeSocket(this.upstreamSocket, reason === 'upstream_closed' ? null : serialize.end());

    this.recorder.abandon(
      this.leaving && reason === this.leaving
        ? `result unknown: the client left and the target did not answer within ${leaveWaitMs / 1000} s`
        : `not completed: the session ended (${reason.replace('_', ' ')})`,
    );
    const totals: SessionTotals = {
      ...this.recorder.totals(),
      bytesFromClient: this.bytesFromClient,
      bytesToClient: this.bytesToClient,
      endReason: reason,
    };
    if (this.options.resultMasker) totals.maskedForClient = { ...this.maskedForClient };
    this.logger.info({ sessionId: context.sessionId, ...totals }, 'session ended');
    this.recorder.appendInBackground(
      sessionEnd(context, totals, Math.round(performance.now() - startedAt), error),
    );
    void this.recorder.settled().then(this.resolveEnded);
  }
}

function holdNotice(
  pending: PendingReview,
  verdict: Extract<CommandVerdict, { action: 'review' }>,
): Buffer {
  const minutes = Math.round(verdict.review.timeoutMs / 6000) / 10;
  return noticeResponse(
    `Warden: this statement is held for review ${pending.id} (${verdict.rule}); nothing has run yet. ` +
      `It runs once approved, and is refused if no decision comes within ${minutes} min. ` +
      `Reviewers: warden reviews approve ${pending.id}`,
  );
}
