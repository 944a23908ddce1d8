import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SplunkSinkConfig } from '../../src/config/index.js';
import type { DeliveryOutcome, Sink } from '../../src/export/sink.js';
import { createSplunkSink } from '../../src/export/sinks/splunk.js';
import { cleanupsAfterEach } from '../support/cleanups.js';
import {
  commonSettings,
  deleteQuery,
  entryOf,
  nativeRecord,
  threeDeletes,
} from '../support/export-records.js';
import { SplunkReceiver, type SplunkReceiverOptions } from '../support/splunk-receiver.js';
import { testCertificate, type TestCertificate } from '../support/tls.js';

const token = '6b1f6e2c-6a3e-4b7e-9a53-2d0c1e5f7a90';
const signal = new AbortController().signal;

const addCleanup = cleanupsAfterEach();
let receiver: SplunkReceiver;

async function startReceiver(options: Partial<SplunkReceiverOptions> = {}): Promise<void> {
  await receiver.close();
  receiver = await new SplunkReceiver({ token, ...options }).start();
}

beforeEach(async () => {
  receiver = await new SplunkReceiver({ token }).start();
  // Whichever receiver is running when the test ends: startReceiver replaces it.
  addCleanup(() => receiver.close());
});

function splunkSink(overrides: Partial<SplunkSinkConfig> = {}): Sink {
  const sink = createSplunkSink({
    ...commonSettings('splunk'),
    type: 'splunk',
    url: receiver.url,
    token,
    index: 'audit',
    sourcetype: 'warden:audit',
    source: 'warden',
    host: 'warden-1',
    ack: null,
    tls: { ca: null, verify: true },
    timeoutMs: 5000,
    ...overrides,
  });
  addCleanup(() => sink.close());
  return sink;
}

function reasonOf(outcome: DeliveryOutcome): string {
  return 'reason' in outcome ? outcome.reason : '';
}

describe('splunk sink: envelopes', () => {
  it('wraps the payload in an envelope with time in epoch seconds and milliseconds', () => {
    const event = deleteQuery(1, { time: '2026-11-21T09:12:15.123Z' });
    expect(splunkSink().encode(nativeRecord(event))).toBe(
      `{"time":1795252335.123,"host":"warden-1","source":"warden","sourcetype":"warden:audit","index":"audit","event":${JSON.stringify(event)}}`,
    );
  });

  it('leaves index out when none is set, for the token’s default index', () => {
    const event = deleteQuery(1, { time: '2026-11-21T09:12:15.000Z' });
    expect(splunkSink({ index: null }).encode(nativeRecord(event))).toBe(
      `{"time":1795252335,"host":"warden-1","source":"warden","sourcetype":"warden:audit","event":${JSON.stringify(event)}}`,
    );
  });

  it('sends the envelopes concatenated, byte for byte, and Splunk takes each once', async () => {
    const sink = splunkSink();
    const entries = threeDeletes(sink);
    expect(await sink.deliver(entries, signal)).toEqual({ kind: 'delivered' });
    const [request] = receiver.requests;
    expect(request?.path).toBe('/services/collector/event');
    expect(request?.headers.authorization).toBe(`Splunk ${token}`);
    expect(request?.raw.toString('utf8')).toBe(entries.map((entry) => entry.text).join(''));
    expect(receiver.received).toEqual(entries.map((entry) => JSON.parse(entry.text)));
  });

  it('keeps a path prefix of the base URL (a proxy in front of HEC)', async () => {
    const sink = splunkSink({ url: `${receiver.url}/` });
    expect(await sink.deliver(threeDeletes(sink), signal)).toEqual({ kind: 'delivered' });
    expect(receiver.requests[0]?.path).toBe('/services/collector/event');
  });
});

describe('splunk sink: answers', () => {
  const record = nativeRecord(deleteQuery(9));

  it.each([
    ['5 No data', '', 5],
    ['6 Invalid data format', '{"time":1,"event":', 6],
    ['12 Event field is required', '{"time":1,"host":"warden-1"}', 12],
    ['13 Event field cannot be blank', '{"time":1,"event":""}', 13],
  ])('400 code %s: rejected, splittable, nothing taken', async (_name, text, code) => {
    const sink = splunkSink();
    const entries =
      text === '' ? [entryOf(record, '')] : [...threeDeletes(sink), entryOf(record, text)];
    const outcome = await sink.deliver(entries, signal);
    expect(outcome).toMatchObject({ kind: 'rejected', status: 400, splittable: true });
    expect(reasonOf(outcome)).toContain(`"code":${code}`);
    expect(receiver.received).toEqual([]);
  });

  it('400 code 7, an index the token may not write: rejected, splittable', async () => {
    await startReceiver({ indexes: ['main'] });
    const sink = splunkSink({ index: 'audit' });
    const outcome = await sink.deliver(threeDeletes(sink), signal);
    expect(outcome).toMatchObject({ kind: 'rejected', status: 400, splittable: true });
    expect(reasonOf(outcome)).toContain('Incorrect index');
  });

  it('a 400 that blames the setup (14 ACK is disabled): rejected, not split', async () => {
    receiver.faults.next(1, { status: 400, body: '{"text":"ACK is disabled","code":14}' });
    const sink = splunkSink();
    expect(await sink.deliver(threeDeletes(sink), signal)).toMatchObject({
      kind: 'rejected',
      status: 400,
      splittable: false,
    });
  });

  it('401 and 403, token problems: rejected whole, and the token is never repeated', async () => {
    await startReceiver({ disabledTokens: ['disabled-token'] });
    const cases = [
      ['', 401, 'Invalid authorization'],
      ['0f0f0f0f-0000-0000-0000-000000000000', 403, 'Invalid token'],
      ['disabled-token', 403, 'Token disabled'],
    ] as const;
    for (const [badToken, status, text] of cases) {
      const sink = splunkSink({ token: badToken });
      const outcome = await sink.deliver(threeDeletes(sink), signal);
      expect(outcome).toMatchObject({ kind: 'rejected', status, splittable: false });
      expect(reasonOf(outcome)).toContain(text);
    }
    expect(receiver.received).toEqual([]);
  });

  it('a reason never quotes the token, even when the answer does', async () => {
    receiver.faults.next(1, { status: 401, body: `{"text":"Unknown token ${token}","code":4}` });
    const sink = splunkSink();
    const outcome = await sink.deliver(threeDeletes(sink), signal);
    expect(reasonOf(outcome)).toContain('Unknown token [redacted]');
    expect(JSON.stringify(outcome)).not.toContain(token);
  });

  it('413 above max_content_length: split', async () => {
    await startReceiver({ maxContentLength: 2048 });
    const sink = splunkSink();
    expect(await sink.deliver(threeDeletes(sink), signal)).toMatchObject({
      kind: 'split',
      status: 413,
    });
  });

  it('503 code 9 Server is busy: retry after Retry-After', async () => {
    receiver.faults.next(1, { status: 503, headers: { 'retry-after': '12' } });
    const sink = splunkSink();
    const outcome = await sink.deliver(threeDeletes(sink), signal);
    expect(outcome).toMatchObject({ kind: 'retry', status: 503, retryAfterMs: 12_000 });
    expect(reasonOf(outcome)).toContain('Server is busy');
  });

  it('a burst of 5xx (500 code 8, 503): retry each time, then delivered once', async () => {
    receiver.faults.unavailable(2, 500).unavailable(2);
    const sink = splunkSink();
    const entries = threeDeletes(sink);
    const outcomes: DeliveryOutcome['kind'][] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      outcomes.push((await sink.deliver(entries, signal)).kind);
    }
    expect(outcomes).toEqual(['retry', 'retry', 'retry', 'retry', 'delivered']);
    expect(receiver.received.map((envelope) => (envelope.event as { seq: number }).seq)).toEqual([
      1, 2, 3,
    ]);
  });

  it('no answer within the timeout: retry', async () => {
    receiver.faults.slow(1, 2000);
    const sink = splunkSink({ timeoutMs: 200 });
    expect(await sink.deliver(threeDeletes(sink), signal)).toEqual({
      kind: 'retry',
      reason: 'no answer within 200 ms',
    });
  });
});

describe('splunk sink: indexer acknowledgement', () => {
  beforeEach(() => startReceiver({ ack: true }));

  it('polls the ack endpoint on its channel until the batch is indexed', async () => {
    receiver.pollsBeforeIndexed = 2;
    const sink = splunkSink({ ack: { timeoutMs: 30_000 } });
    expect(await sink.deliver(threeDeletes(sink), signal)).toEqual({ kind: 'delivered' });
    const [send, ...polls] = receiver.requests;
    const channel = send?.headers['x-splunk-request-channel'];
    expect(channel).toMatch(/^[0-9a-f-]{36}$/);
    expect(polls.map((poll) => [poll.path, poll.raw.toString()])).toEqual([
      ['/services/collector/ack', '{"acks":[0]}'],
      ['/services/collector/ack', '{"acks":[0]}'],
      ['/services/collector/ack', '{"acks":[0]}'],
    ]);
    expect(polls.every((poll) => poll.headers['x-splunk-request-channel'] === channel)).toBe(true);
  });

  it('one channel per sink: the next batch gets the next ackId on the same channel', async () => {
    const sink = splunkSink({ ack: { timeoutMs: 30_000 } });
    await sink.deliver(threeDeletes(sink), signal);
    await sink.deliver(threeDeletes(sink), signal);
    const sends = receiver.requests.filter((request) => request.path.endsWith('/event'));
    const polls = receiver.requests.filter((request) => request.path.endsWith('/ack'));
    expect(new Set(sends.map((send) => send.headers['x-splunk-request-channel'])).size).toBe(1);
    expect(polls.map((poll) => poll.raw.toString())).toEqual(['{"acks":[0]}', '{"acks":[1]}']);
    const other = splunkSink({ ack: { timeoutMs: 30_000 } });
    await other.deliver(threeDeletes(other), signal);
    const last = receiver.requests.at(-1)?.headers['x-splunk-request-channel'];
    expect(last).not.toBe(sends[0]?.headers['x-splunk-request-channel']);
  });

  it('not indexed within the ack timeout: retry', async () => {
    receiver.pollsBeforeIndexed = Infinity;
    const sink = splunkSink({ ack: { timeoutMs: 1000 } });
    const outcome = await sink.deliver(threeDeletes(sink), signal);
    expect(outcome).toMatchObject({ kind: 'retry' });
    expect(reasonOf(outcome)).toContain('did not confirm indexing (ack 0) within 1000 ms');
  });

  it('stops waiting when delivery is stopped', async () => {
    receiver.pollsBeforeIndexed = Infinity;
    const sink = splunkSink({ ack: { timeoutMs: 60_000 } });
    const stop = new AbortController();
    const delivering = sink.deliver(threeDeletes(sink), stop.signal);
    setTimeout(() => stop.abort(), 300);
    expect(await delivering).toMatchObject({ kind: 'retry' });
  });

  it('a token that requires acknowledgement works with ack off: a 200 is enough', async () => {
    const sink = splunkSink();
    expect(await sink.deliver(threeDeletes(sink), signal)).toEqual({ kind: 'delivered' });
    expect(receiver.requests.map((request) => request.path)).toEqual(['/services/collector/event']);
  });

  it('ack on, but a token without it (no ackId): delivered, nothing to poll', async () => {
    await startReceiver({ ack: false });
    const sink = splunkSink({ ack: { timeoutMs: 30_000 } });
    expect(await sink.deliver(threeDeletes(sink), signal)).toEqual({ kind: 'delivered' });
    expect(receiver.requests).toHaveLength(1);
  });
});

describe('splunk sink: TLS', () => {
  let certificate: TestCertificate;

  beforeAll(async () => {
    certificate = await testCertificate();
  });

  afterAll(() => certificate.remove());

  beforeEach(() => startReceiver({ tls: certificate }));

  it('trusts the CA it is given', async () => {
    const sink = splunkSink({ tls: { ca: certificate.certFile, verify: true } });
    expect(receiver.url).toMatch(/^https:/);
    expect(await sink.deliver(threeDeletes(sink), signal)).toEqual({ kind: 'delivered' });
    expect(receiver.received).toHaveLength(3);
  });

  it('refuses a certificate it cannot verify: retry, with the reason', async () => {
    const sink = splunkSink();
    const outcome = await sink.deliver(threeDeletes(sink), signal);
    expect(outcome).toMatchObject({ kind: 'retry' });
    expect(reasonOf(outcome)).toMatch(/certificate/i);
    expect(receiver.received).toEqual([]);
  });

  it('verify: false trusts any certificate', async () => {
    const sink = splunkSink({ tls: { ca: null, verify: false } });
    expect(await sink.deliver(threeDeletes(sink), signal)).toEqual({ kind: 'delivered' });
  });
});
