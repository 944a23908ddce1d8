import { beforeEach, describe, expect, it } from 'vitest';
import type { DatadogSinkConfig } from '../../src/config/index.js';
import type { DeliveryOutcome, Sink } from '../../src/export/sink.js';
import { createDatadogSink } from '../../src/export/sinks/datadog.js';
import { DatadogReceiver } from '../../src/sandbox/datadog-receiver.js';
import { cleanupsAfterEach } from '../support/cleanups.js';
import {
  commonSettings,
  deleteQuery,
  encodeAll,
  entryOf,
  nativeRecord,
  threeDeletes,
} from '../support/export-records.js';

const apiKey = '0123456789abcdef0123456789abcdef';
const signal = new AbortController().signal;

const addCleanup = cleanupsAfterEach();
let receiver: DatadogReceiver;

beforeEach(async () => {
  receiver = await new DatadogReceiver({ apiKey }).start();
  // Whichever receiver is running when the test ends: some tests replace it.
  addCleanup(() => receiver.close());
});

function datadogSink(overrides: Partial<DatadogSinkConfig> = {}): Sink {
  const sink = createDatadogSink({
    ...commonSettings('dd'),
    type: 'datadog',
    url: receiver.intakeUrl,
    apiKey,
    service: 'warden',
    tags: ['env:prod', 'team:platform'],
    hostname: 'warden-1',
    gzip: true,
    timeoutMs: 5000,
    ...overrides,
  });
  addCleanup(() => sink.close());
  return sink;
}

function deliverThree(sink: Sink): Promise<DeliveryOutcome> {
  return sink.deliver(threeDeletes(sink), signal);
}

describe('datadog sink: entries', () => {
  it('carries every field Datadog reads, and the AuditEvent at top level', () => {
    const event = deleteQuery(7);
    const entry = JSON.parse(datadogSink().encode(nativeRecord(event))) as Record<string, unknown>;
    expect(entry).toEqual({
      ddsource: 'warden',
      service: 'warden',
      hostname: 'warden-1',
      ddtags: 'env:prod,team:platform',
      status: 'info',
      timestamp: Date.parse(event.time),
      message: 'billing-agent ran DELETE on pg-prod: 3 rows',
      ...event,
    });
    expect(typeof entry.timestamp).toBe('number');
  });

  it('takes status from the outcome: error for a failure, warn for a refusal', () => {
    const sink = datadogSink();
    const statusOf = (outcome: NonNullable<ReturnType<typeof deleteQuery>['outcome']>) =>
      (JSON.parse(sink.encode(nativeRecord(deleteQuery(1, { outcome })))) as { status: string })
        .status;
    expect(
      statusOf({ result: 'failure', error: { code: '42501', message: 'permission denied' } }),
    ).toBe('error');
    expect(statusOf({ result: 'denied', error: { message: 'no allow entry' } })).toBe('warn');
  });

  it('says what failed in the message', () => {
    const event = deleteQuery(1, {
      response: { rows: 0, bytes: 0, sample: '', truncated: false },
      outcome: {
        result: 'failure',
        error: { code: '42501', message: 'permission denied for table orders' },
      },
    });
    const entry = JSON.parse(datadogSink().encode(nativeRecord(event))) as { message: string };
    expect(entry.message).toBe(
      'billing-agent ran DELETE on pg-prod: failed: 42501 permission denied for table orders',
    );
  });

  it('omits ddtags without tags', () => {
    const entry = JSON.parse(datadogSink({ tags: [] }).encode(nativeRecord(deleteQuery(1))));
    expect(entry).not.toHaveProperty('ddtags');
  });

  it('keeps its reserved fields and moves a payload’s own (OCSF status, message) under warden', () => {
    const event = deleteQuery(1);
    const payload = {
      class_uid: 6005,
      time: Date.parse(event.time),
      status: 'Success',
      message: 'from the payload',
      hostname: 'db-host',
    };
    const entry = JSON.parse(
      datadogSink().encode({ event, payload, payloadText: JSON.stringify(payload) }),
    ) as Record<string, unknown>;
    expect(entry).toMatchObject({
      status: 'info',
      message: 'billing-agent ran DELETE on pg-prod: 3 rows',
      hostname: 'warden-1',
      class_uid: 6005,
      warden: { status: 'Success', message: 'from the payload', hostname: 'db-host' },
    });
  });
});

describe('datadog sink: delivery', () => {
  it('posts the entries gzip-compressed with the API key, and Datadog takes each once', async () => {
    const sink = datadogSink();
    const entries = threeDeletes(sink);
    expect(await sink.deliver(entries, signal)).toEqual({ kind: 'delivered' });

    const [request] = receiver.requests;
    expect(request?.headers['content-encoding']).toBe('gzip');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['dd-api-key']).toBe(apiKey);
    expect([...(request?.raw.subarray(0, 2) ?? [])]).toEqual([0x1f, 0x8b]);
    expect(receiver.received).toEqual(entries.map((entry) => JSON.parse(entry.text)));
  });

  it('sends plain JSON with gzip off', async () => {
    const sink = datadogSink({ gzip: false });
    const entries = encodeAll(sink, [nativeRecord(deleteQuery(1))]);
    expect(await sink.deliver(entries, signal)).toEqual({ kind: 'delivered' });
    expect(receiver.requests[0]?.headers['content-encoding']).toBeUndefined();
    expect(receiver.requests[0]?.raw.toString()).toBe(`[${entries[0]?.text}]`);
  });

  it('400: rejected, and the batch may be halved to find the bad entry', async () => {
    const sink = datadogSink();
    const good = encodeAll(sink, [nativeRecord(deleteQuery(1))]);
    const broken = entryOf(nativeRecord(deleteQuery(2)), '{"ddsource":');
    const outcome = await sink.deliver([...good, broken], signal);
    expect(outcome).toMatchObject({ kind: 'rejected', status: 400, splittable: true });
    expect(receiver.received).toEqual([]);
  });

  it('401 without an API key, 403 with a wrong one: rejected whole', async () => {
    expect(await deliverThree(datadogSink({ apiKey: '' }))).toMatchObject({
      kind: 'rejected',
      status: 401,
      splittable: false,
    });
    const wrong = await deliverThree(datadogSink({ apiKey: 'f'.repeat(32) }));
    expect(wrong).toMatchObject({ kind: 'rejected', status: 403, splittable: false });
    expect((wrong as { reason: string }).reason).toContain('Datadog 127.0.0.1');
    expect((wrong as { reason: string }).reason).not.toContain('f'.repeat(32));
    expect(receiver.received).toEqual([]);
  });

  it('413 over 1000 entries or 5 MB: split', async () => {
    await receiver.close();
    receiver = await new DatadogReceiver({ apiKey, maxEntries: 2, maxBytes: 4096 }).start();
    expect(await deliverThree(datadogSink())).toMatchObject({ kind: 'split', status: 413 });

    const sink = datadogSink({ gzip: false });
    const big = nativeRecord(
      deleteQuery(1, {
        response: { rows: 1, bytes: 5000, sample: 'x'.repeat(5000), truncated: false },
      }),
    );
    expect(await sink.deliver(encodeAll(sink, [big]), signal)).toMatchObject({
      kind: 'split',
      status: 413,
    });
    expect(receiver.received).toEqual([]);
  });

  it('408 and 500: retry', async () => {
    receiver.faults.next(1, { status: 408 }).next(1, { status: 500 });
    const sink = datadogSink();
    expect(await deliverThree(sink)).toMatchObject({ kind: 'retry', status: 408 });
    expect(await deliverThree(sink)).toMatchObject({ kind: 'retry', status: 500 });
    expect(await deliverThree(sink)).toEqual({ kind: 'delivered' });
    expect(receiver.received.map((log) => log.seq)).toEqual([1, 2, 3]);
  });

  it('429: retry after Retry-After, in seconds or as an HTTP date', async () => {
    const inThirtySeconds = new Date(Date.now() + 30_000).toUTCString();
    receiver.faults.throttle(1, '7').throttle(1, inThirtySeconds);
    const sink = datadogSink();
    expect(await deliverThree(sink)).toMatchObject({
      kind: 'retry',
      status: 429,
      retryAfterMs: 7000,
    });
    const dated = await deliverThree(sink);
    expect(dated).toMatchObject({ kind: 'retry', status: 429 });
    const afterMs = (dated as { retryAfterMs: number }).retryAfterMs;
    expect(afterMs).toBeGreaterThan(0);
    expect(afterMs).toBeLessThanOrEqual(30_000);
  });

  it('a burst of 503s: retry each time, then delivered once', async () => {
    receiver.faults.unavailable(3);
    const sink = datadogSink();
    const outcomes: DeliveryOutcome['kind'][] = [];
    for (let attempt = 0; attempt < 4; attempt++) outcomes.push((await deliverThree(sink)).kind);
    expect(outcomes).toEqual(['retry', 'retry', 'retry', 'delivered']);
    expect(receiver.received.map((log) => log.seq)).toEqual([1, 2, 3]);
  });

  it('no answer within the timeout: retry', async () => {
    receiver.faults.slow(1, 2000);
    const outcome = await deliverThree(datadogSink({ timeoutMs: 200 }));
    expect(outcome).toEqual({ kind: 'retry', reason: 'no answer within 200 ms' });
  });

  it('an unreachable intake: retry', async () => {
    await receiver.close();
    const outcome = await deliverThree(datadogSink());
    expect(outcome).toMatchObject({ kind: 'retry' });
    expect((outcome as { reason: string }).reason).toContain('ECONNREFUSED');
    receiver = await new DatadogReceiver({ apiKey }).start();
  });

  it('an event older than 18 hours: taken (202) but dropped by Datadog, as REFERENCE.md says', async () => {
    const sink = datadogSink();
    const old = nativeRecord(
      deleteQuery(1, { time: new Date(Date.now() - 19 * 3_600_000).toISOString() }),
    );
    expect(await sink.deliver(encodeAll(sink, [old]), signal)).toEqual({ kind: 'delivered' });
    expect(receiver.received).toEqual([]);
    expect(receiver.dropped.map((log) => log.seq)).toEqual([1]);
  });

  it('never repeats the API key in a reason, even when the answer quotes it', async () => {
    receiver.faults.next(1, {
      status: 400,
      body: `{"errors":["bad request from DD-API-KEY ${apiKey}"]}`,
    });
    const outcome = await deliverThree(datadogSink());
    expect(outcome).toMatchObject({ kind: 'rejected', status: 400 });
    expect((outcome as { reason: string }).reason).toContain('DD-API-KEY [redacted]');
    expect(JSON.stringify(outcome)).not.toContain(apiKey);
  });
});
