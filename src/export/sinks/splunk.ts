// Splunk HTTP Event Collector: envelopes `{"time","host","source","sourcetype","index","event"}`
// concatenated into one request to /services/collector/event, with `Authorization: Splunk
// <token>`. With indexer acknowledgement, a 200 only means received: the sink then polls
// /services/collector/ack until Splunk says the batch is indexed.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import type { SplunkSinkConfig } from '../../config/index.js';
import { tlsDispatcher } from '../../http/index.js';
import { classifyAnswer, isAnswer, post, type HttpAnswer } from '../http-delivery.js';
import { redact } from '../redaction.js';
import type { DeliveryOutcome, Entry, ExportRecord, Sink } from '../sink.js';

// HEC codes of a 400 that blame the events (5 no data, 6 invalid data format, 7 incorrect index,
// 12 event field required, 13 event field blank): halving the batch keeps the good ones. Other
// 400 codes (10 and 11: the channel, 14: ack disabled …) blame the setup: nothing to split.
const EVENT_FAULT_CODES = new Set([5, 6, 7, 12, 13]);

// Splunk's advice is to poll every 10 s; a batch is often indexed within a second, so the first
// polls come sooner.
const FIRST_ACK_POLL_MS = 250;
const MAX_ACK_POLL_MS = 10_000;

export function createSplunkSink(config: SplunkSinkConfig): Sink {
  const base = config.url.endsWith('/') ? config.url : `${config.url}/`;
  const eventUrl = new URL('services/collector/event', base).href;
  const envelopeFields = JSON.stringify({
    host: config.host,
    source: config.source,
    sourcetype: config.sourcetype,
    ...(config.index === null ? {} : { index: config.index }),
  }).slice(1, -1);
  const ackUrl = new URL('services/collector/ack', base).href;
  const destination = `Splunk HEC ${new URL(config.url).host}`;
  const dispatcher: Dispatcher = tlsDispatcher({
    ca: config.tls.ca ? readFileSync(config.tls.ca, 'utf8') : null,
    rejectUnauthorized: config.tls.verify,
  });
  // Sent always: Splunk takes a channel without acknowledgement too, and a token that requires
  // acknowledgement refuses requests without one (code 10).
  const headers = {
    authorization: `Splunk ${config.token}`,
    'content-type': 'application/json',
    'user-agent': 'warden-splunk',
    'x-splunk-request-channel': randomUUID(),
  };
  const send = (url: string, body: string, signal: AbortSignal) =>
    post({ url, headers, body, timeoutMs: config.timeoutMs, signal, dispatcher });
  const classify = (answer: HttpAnswer) =>
    classifyAnswer({ ...answer, body: redact(answer.body, config.token) }, destination);

  /** Polls until Splunk reports `ackId` indexed; past the ack timeout the batch is sent again. */
  async function awaitIndexed(
    ackId: number,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<DeliveryOutcome> {
    const deadline = Date.now() + timeoutMs;
    let wait = FIRST_ACK_POLL_MS;
    let last = 'not indexed yet';
    for (let remaining = timeoutMs; remaining > 0; remaining = deadline - Date.now()) {
      try {
        await sleep(Math.min(wait, remaining), undefined, { signal });
      } catch {
        return { kind: 'retry', reason: `${destination}: stopped waiting for ack ${ackId}` };
      }
      wait = Math.min(wait * 2, MAX_ACK_POLL_MS);
      const answer = await send(ackUrl, JSON.stringify({ acks: [ackId] }), signal);
      // A failed poll is no verdict on the batch, which Splunk took: poll again until the timeout.
      const failure = !isAnswer(answer) ? answer : answer.status === 200 ? null : classify(answer);
      if (failure && 'reason' in failure) last = failure.reason;
      else if (isAnswer(answer) && ackStatus(answer.body, ackId)) return { kind: 'delivered' };
    }
    return {
      kind: 'retry',
      reason: `${destination} did not confirm indexing (ack ${ackId}) within ${timeoutMs} ms: ${last}`,
    };
  }

  return {
    // The envelope around the payload's text, which is not stringified again. `time` is epoch
    // seconds with the milliseconds as a fraction, as HEC takes it.
    encode: ({ event, payloadText }: ExportRecord) =>
      `{"time":${Date.parse(event.time) / 1000},${envelopeFields},"event":${payloadText}}`,
    async deliver(entries: readonly Entry[], signal: AbortSignal): Promise<DeliveryOutcome> {
      const answer = await send(eventUrl, entries.map((entry) => entry.text).join(''), signal);
      if (!isAnswer(answer)) return answer;
      const outcome = classify(answer);
      const reply = hecReply(answer.body);
      if (outcome.kind === 'rejected' && answer.status === 400) {
        return { ...outcome, splittable: EVENT_FAULT_CODES.has(reply.code ?? -1) };
      }
      if (outcome.kind !== 'delivered' || config.ack === null) return outcome;
      // A token without acknowledgement answers no ackId: Splunk took the batch, and there is
      // nothing to wait for, so sending it again would only duplicate it.
      if (reply.ackId === undefined) return outcome;
      return awaitIndexed(reply.ackId, config.ack.timeoutMs, signal);
    },
    close: () => dispatcher.close(),
  };
}

/** HEC's `{"text","code","ackId"}`; fields that are absent or of another type are undefined. */
function hecReply(body: string): { code?: number; ackId?: number } {
  try {
    const reply = JSON.parse(body) as { code?: unknown; ackId?: unknown };
    return {
      ...(typeof reply.code === 'number' ? { code: reply.code } : {}),
      ...(typeof reply.ackId === 'number' ? { ackId: reply.ackId } : {}),
    };
  } catch {
    return {};
  }
}

/** The ack endpoint's `{"acks":{"<id>":true}}`: whether `ackId` is indexed. */
function ackStatus(body: string, ackId: number): boolean {
  try {
    const reply = JSON.parse(body) as { acks?: Record<string, unknown> };
    return reply.acks?.[String(ackId)] === true;
  } catch {
    return false;
  }
}
