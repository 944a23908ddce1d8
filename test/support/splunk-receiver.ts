// A stand-in for Splunk's HTTP Event Collector (REFERENCE.md): POST /services/collector/event with
// `Authorization: Splunk <token>`, a body of concatenated event envelopes, answers `{"text","code"}`
// with Splunk's codes, and indexer acknowledgement (a channel per client, `ackId` per request,
// POST /services/collector/ack). A rejected request takes none of its events.
import type { CertificateFiles } from '../../src/sandbox/postgres.js';
import {
  HttpReceiver,
  type ReceivedRequest,
  type ReceiverAnswer,
} from '../../src/sandbox/http-receiver.js';

export type SplunkEnvelope = Record<string, unknown>;

export interface SplunkReceiverOptions {
  token: string;
  /** Tokens Splunk knows but has disabled (403, code 1). */
  disabledTokens?: string[];
  /** The token's allowed indexes; absent: any. */
  indexes?: string[];
  /** The token requires indexer acknowledgement (`useACK`). */
  ack?: boolean;
  /** `max_content_length`: larger bodies get 413. */
  maxContentLength?: number;
  tls?: CertificateFiles;
}

const EVENT_PATHS = new Set([
  '/services/collector',
  '/services/collector/event',
  '/services/collector/event/1.0',
]);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Splunk's texts of its codes, as HEC answers them. */
const REPLIES = {
  0: { status: 200, text: 'Success' },
  1: { status: 403, text: 'Token disabled' },
  2: { status: 401, text: 'Token is required' },
  3: { status: 401, text: 'Invalid authorization' },
  4: { status: 403, text: 'Invalid token' },
  5: { status: 400, text: 'No data' },
  6: { status: 400, text: 'Invalid data format' },
  7: { status: 400, text: 'Incorrect index' },
  8: { status: 500, text: 'Internal server error' },
  9: { status: 503, text: 'Server is busy' },
  10: { status: 400, text: 'Data channel is missing' },
  11: { status: 400, text: 'Invalid data channel' },
  12: { status: 400, text: 'Event field is required' },
  13: { status: 400, text: 'Event field cannot be blank' },
  14: { status: 400, text: 'ACK is disabled' },
} as const;
type ReplyCode = keyof typeof REPLIES;

export class SplunkReceiver extends HttpReceiver<SplunkEnvelope> {
  /**
   * How many polls of an ackId answer false before it is indexed; Infinity: it never is (an
   * indexer that lost the batch, or one slower than the client's patience).
   */
  pollsBeforeIndexed = 0;
  private readonly options: SplunkReceiverOptions;
  /** Per channel: the polls each ackId still waits. */
  private readonly channels = new Map<string, Map<number, number>>();

  constructor(options: SplunkReceiverOptions) {
    super(options.tls ?? null);
    this.options = options;
  }

  protected answer(request: ReceivedRequest): ReceiverAnswer {
    const isEvent = EVENT_PATHS.has(request.path);
    const isAck = request.path === '/services/collector/ack';
    if (request.method !== 'POST' || (!isEvent && !isAck)) {
      return {
        status: 404,
        body: JSON.stringify({
          text: 'The requested URL was not found on this server.',
          code: 404,
        }),
      };
    }
    const refusal = this.authorize(request);
    if (refusal !== null) return reply(refusal);
    const maxContentLength = this.options.maxContentLength ?? 800 * 1024 * 1024;
    if (request.raw.length > maxContentLength) {
      return {
        status: 413,
        body: `Content-Length of ${request.raw.length} too large (maximum is ${maxContentLength})`,
      };
    }
    const header = request.headers['x-splunk-request-channel'];
    const channel = (typeof header === 'string' ? header : request.query.get('channel')) ?? null;
    if (isAck && !this.options.ack) return reply(14);
    if (channel === null) return this.options.ack ? reply(10) : this.answerEvents(request, null);
    if (!GUID.test(channel)) return reply(11);
    return isAck ? this.answerAck(request, channel) : this.answerEvents(request, channel);
  }

  protected errorAnswer(status: number): ReceiverAnswer {
    if (status === 500) return reply(8);
    if (status === 503) return reply(9);
    return { status, body: JSON.stringify({ text: this.statusText(status) }) };
  }

  private authorize(request: ReceivedRequest): ReplyCode | null {
    const header = request.headers.authorization;
    if (header === undefined) return 2;
    const token = /^Splunk (\S+)$/.exec(header)?.[1];
    if (token === undefined) return 3;
    if (this.options.disabledTokens?.includes(token)) return 1;
    return token === this.options.token ? null : 4;
  }

  private answerEvents(request: ReceivedRequest, channel: string | null): ReceiverAnswer {
    const text = request.raw.toString('utf8');
    if (text.trim() === '') return reply(5);
    const { envelopes, invalidAt } = parseConcatenated(text);
    if (invalidAt !== null) return reply(6, invalidAt);
    for (const [index, envelope] of envelopes.entries()) {
      if (envelope.event === undefined || envelope.event === null) return reply(12, index);
      if (envelope.event === '') return reply(13, index);
      const allowed = this.options.indexes;
      if (allowed && typeof envelope.index === 'string' && !allowed.includes(envelope.index)) {
        return reply(7, index);
      }
    }
    this.received.push(...envelopes);
    if (!this.options.ack || channel === null) return reply(0);
    const acks = this.channels.get(channel) ?? new Map<number, number>();
    this.channels.set(channel, acks);
    const ackId = acks.size;
    acks.set(ackId, this.pollsBeforeIndexed);
    return { status: 200, body: JSON.stringify({ text: 'Success', code: 0, ackId }) };
  }

  private answerAck(request: ReceivedRequest, channel: string): ReceiverAnswer {
    let ids: unknown;
    try {
      ids = (JSON.parse(request.raw.toString('utf8')) as { acks?: unknown }).acks;
    } catch {
      return reply(6);
    }
    if (!Array.isArray(ids)) return reply(6);
    const acks = this.channels.get(channel);
    const statuses: Record<string, boolean> = {};
    for (const id of ids) {
      const waiting = typeof id === 'number' ? acks?.get(id) : undefined;
      statuses[String(id)] = waiting === 0;
      if (waiting !== undefined && waiting > 0) acks?.set(id as number, waiting - 1);
    }
    return { status: 200, body: JSON.stringify({ acks: statuses }) };
  }
}

function reply(code: ReplyCode, invalidEventNumber?: number): ReceiverAnswer {
  const { status, text } = REPLIES[code];
  const body: Record<string, unknown> = { text, code };
  if (invalidEventNumber !== undefined) body['invalid-event-number'] = invalidEventNumber;
  return { status, body: JSON.stringify(body) };
}

/** JSON objects one after another (white space between them allowed, nothing else). */
function parseConcatenated(text: string): {
  envelopes: SplunkEnvelope[];
  invalidAt: number | null;
} {
  const envelopes: SplunkEnvelope[] = [];
  let at = 0;
  for (;;) {
    while (at < text.length && /\s/.test(text.charAt(at))) at++;
    if (at === text.length) return { envelopes, invalidAt: null };
    const end = text.charAt(at) === '{' ? objectEnd(text, at) : -1;
    if (end === -1) return { envelopes, invalidAt: envelopes.length };
    try {
      envelopes.push(JSON.parse(text.slice(at, end)) as SplunkEnvelope);
    } catch {
      return { envelopes, invalidAt: envelopes.length };
    }
    at = end;
  }
}

/** The index after the `}` that closes the object opened at `start`; -1 when it is not closed. */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let at = start; at < text.length; at++) {
    const char = text.charAt(at);
    if (inString) {
      if (char === '\\') at++;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === '{' || char === '[') {
      depth++;
    } else if (char === '}' || char === ']') {
      depth--;
      if (depth === 0) return at + 1;
    }
  }
  return -1;
}
