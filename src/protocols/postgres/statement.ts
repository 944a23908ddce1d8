// One statement as the recorder follows it: what was asked (the request that goes into the
// record), and what the target answered, accumulated message by message with bounded memory.
import type { EventError, EventPolicy, EventRequest } from '../../audit/event.js';
import { ResultSample } from './result-sample.js';
import type { ScannedMessage } from './server-scanner.js';
import {
  ServerMessageType as Type,
  decodeCommandTag,
  decodeErrorFields,
  decodeRowDescription,
  rowsInCommandTag,
} from './server-messages.js';

/** Messages that make up a statement's result, counted in its `bytes`. */
const resultTypes = new Set<number>([
  Type.rowDescription,
  Type.dataRow,
  Type.commandComplete,
  Type.emptyQuery,
  Type.portalSuspended,
  Type.errorResponse,
  Type.copyInResponse,
  Type.copyOutResponse,
  Type.copyBothResponse,
  Type.copyData,
  Type.functionCallResponse,
]);

export class Statement {
  /** When the client's message arrived, ISO 8601: the time of both of the statement's events. */
  readonly receivedAt = new Date().toISOString();
  /** performance.now() when it was forwarded: durations run from there. */
  forwardedAt = 0;
  /** False when `recording.exclude` leaves it out of the record (it still runs and counts). */
  recorded = true;
  /** The review that let it through, carried by its events. */
  policy: EventPolicy | null = null;
  readonly sample: ResultSample;
  rows = 0;
  /** DataRows since the last CommandComplete, for a portal suspended without one. */
  private rowsSinceTag = 0;
  bytes = 0;
  readonly tags: string[] = [];
  error: EventError | null = null;
  private copyBinary = false;

  constructor(
    readonly request: EventRequest,
    /** `ready`: answered up to ReadyForQuery (Query, FunctionCall); `execute`: an Execute. */
    readonly endsAt: 'ready' | 'execute',
    /** A FunctionCall asked for its result in binary. */
    private readonly binaryResult: boolean,
    sampleLimit: number,
  ) {
    this.sample = new ResultSample(sampleLimit);
  }

  /**
   * Takes in one message of the statement's answer. Returns true when it ends an Execute
   * (CommandComplete, EmptyQueryResponse, PortalSuspended, ErrorResponse); a Query or
   * FunctionCall ends at ReadyForQuery, which the recorder sees.
   */
  absorb(message: ScannedMessage): boolean {
    if (resultTypes.has(message.type)) this.bytes += message.size;
    switch (message.type) {
      case Type.rowDescription:
        if (!this.sample.full) this.sample.setColumns(decodeRowDescription(message.body));
        return false;
      case Type.dataRow:
        this.rowsSinceTag++;
        this.sample.dataRow(message.body);
        return false;
      case Type.copyOutResponse:
        this.copyBinary = message.body[0] === 1;
        return false;
      case Type.copyData:
        this.sample.copyData(message.body, this.copyBinary);
        return false;
      case Type.functionCallResponse:
        this.sample.functionResult(message.body, this.binaryResult);
        return false;
      case Type.commandComplete: {
        const tag = decodeCommandTag(message.body);
        this.tags.push(tag);
        this.rows += rowsInCommandTag(tag);
        this.rowsSinceTag = 0;
        this.sample.commandTag(tag);
        return this.endsAt === 'execute';
      }
      case Type.emptyQuery:
        return this.endsAt === 'execute';
      case Type.portalSuspended:
        this.rows += this.rowsSinceTag;
        return true;
      case Type.errorResponse: {
        const { code, message: text } = decodeErrorFields(message.body);
        // A simple query stops at its first error; the rest of the string is not run.
        this.error ??= { code: code || null, message: text };
        return this.endsAt === 'execute';
      }
      default:
        return false;
    }
  }
}
