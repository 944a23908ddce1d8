import { describe, expect, it } from 'vitest';
import type { EventBridgeSinkConfig } from '../../src/config/index.js';
import type { Sink } from '../../src/export/sink.js';
import { createEventBridgeSink } from '../../src/export/sinks/eventbridge.js';
import { cleanupsAfterEach } from '../support/cleanups.js';
import {
  startEventBridgeReceiver,
  type EventBridgeReceiver,
} from '../support/eventbridge-receiver.js';
import {
  commonSettings,
  deleteQuery,
  encodeAll,
  nativeEntries,
  ocsfRecord,
} from '../support/export-records.js';

const credentials = {
  accessKeyId: 'AKIAWARDENTEST000001',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYWARDENSECRET',
  sessionToken: null,
};

const addCleanup = cleanupsAfterEach();

async function receiver(): Promise<EventBridgeReceiver> {
  const started = await startEventBridgeReceiver({ accessKeyIds: [credentials.accessKeyId] });
  addCleanup(() => started.close());
  return started;
}

function openSink(endpoint: string, fields: Partial<EventBridgeSinkConfig> = {}): Sink {
  const sink = createEventBridgeSink({
    ...commonSettings('bus'),
    type: 'eventbridge',
    region: 'us-east-1',
    eventBusName: 'audit',
    source: 'warden',
    detailType: null,
    endpoint,
    credentials,
    maxEntryBytes: 256 * 1024,
    timeoutMs: 5000,
    ...fields,
  });
  addCleanup(() => sink.close());
  return sink;
}

const running = new AbortController().signal;
const tenEvents = () => Array.from({ length: 10 }, (_, index) => deleteQuery(index + 1));

describe('eventbridge sink', () => {
  it('puts up to 10 events in one signed PutEvents call, as entries of the configured bus', async () => {
    const bus = await receiver();
    const sink = openSink(bus.url);
    const events = tenEvents();
    events[9] = deleteQuery(10, { type: 'session.start' });
    expect(await sink.deliver(nativeEntries(sink, events), running)).toEqual({ kind: 'delivered' });

    expect(bus.calls).toHaveLength(1);
    const [call] = bus.calls;
    expect(call!.headers['x-amz-target']).toBe('AWSEvents.PutEvents');
    expect(call!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAWARDENTEST000001\/\d{8}\/us-east-1\/events\/aws4_request, /,
    );
    expect(call!.entries).toHaveLength(10);
    expect(call!.entries[0]).toEqual({
      Source: 'warden',
      DetailType: 'db.query',
      Detail: JSON.stringify(events[0]),
      EventBusName: 'audit',
      Time: Date.parse(events[0]!.time) / 1000,
      Resources: [],
    });
    expect(call!.entries[9]!.DetailType).toBe('session.start');
    expect(bus.accepted.map((entry) => JSON.parse(entry.Detail!).seq)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
  });

  it('sends the OCSF mapping as Detail, and a configured detail type', async () => {
    const bus = await receiver();
    const sink = openSink(bus.url, { detailType: 'Warden Audit Event', source: 'acme.warden' });
    const [entry] = encodeAll(sink, [ocsfRecord(deleteQuery(1))]);
    expect(await sink.deliver([entry!], running)).toEqual({ kind: 'delivered' });
    expect(bus.accepted[0]).toMatchObject({
      Source: 'acme.warden',
      DetailType: 'Warden Audit Event',
    });
    expect(JSON.parse(bus.accepted[0]!.Detail!)).toMatchObject({
      class_uid: 6005,
      type_uid: 600504,
    });
  });

  it('reports the exact entries a 200 answer refused, and which of them may be sent again', async () => {
    const bus = await receiver();
    const sink = openSink(bus.url);
    bus.refuseEntries((_entry, index) => {
      if (index === 1) return { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' };
      if (index === 3) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed' };
      if (index === 8) return { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal failure' };
      return null;
    });
    expect(await sink.deliver(nativeEntries(sink, tenEvents()), running)).toEqual({
      kind: 'partial',
      failed: [
        {
          index: 1,
          reason: 'eventbridge audit (us-east-1): ThrottlingException: Rate exceeded',
          retryable: true,
        },
        {
          index: 3,
          reason: 'eventbridge audit (us-east-1): MalformedDetail: Detail is malformed',
          retryable: false,
        },
        {
          index: 8,
          reason: 'eventbridge audit (us-east-1): InternalFailure: Internal failure',
          retryable: true,
        },
      ],
    });
    expect(bus.accepted.map((entry) => JSON.parse(entry.Detail!).seq)).toEqual([
      1, 3, 5, 6, 7, 8, 10,
    ]);
  });

  it('answers retry when the whole call is throttled or the service fails', async () => {
    const bus = await receiver();
    const sink = openSink(bus.url);
    bus.failCalls(1, { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' });
    expect(await sink.deliver(nativeEntries(sink, [deleteQuery(1)]), running)).toEqual({
      kind: 'retry',
      reason: 'eventbridge audit (us-east-1): ThrottlingException: Rate exceeded',
      status: 400,
    });
    bus.failCalls(1, { status: 500, type: 'InternalException', message: 'Internal error' });
    expect(await sink.deliver(nativeEntries(sink, [deleteQuery(1)]), running)).toMatchObject({
      kind: 'retry',
      status: 500,
    });
    // One attempt per deliver: the engine retries, not the SDK.
    expect(bus.calls).toHaveLength(2);
    expect(bus.accepted).toEqual([]);

    expect(await sink.deliver(nativeEntries(sink, [deleteQuery(1)]), running)).toEqual({
      kind: 'delivered',
    });
  });

  it('answers retry when EventBridge cannot be reached or does not answer in time', async () => {
    const bus = await receiver();
    bus.hang();
    const sink = openSink(bus.url, { timeoutMs: 300 });
    expect(await sink.deliver(nativeEntries(sink, [deleteQuery(1)]), running)).toEqual({
      kind: 'retry',
      reason: 'eventbridge audit (us-east-1): no answer within 300 ms',
    });
    await bus.close();
    expect(await sink.deliver(nativeEntries(sink, [deleteQuery(1)]), running)).toMatchObject({
      kind: 'retry',
      reason: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('rejects an entry over maxEntryBytes without sending it, and sends the others', async () => {
    const bus = await receiver();
    const sink = openSink(bus.url, { maxEntryBytes: 2048 });
    const large = deleteQuery(2, {
      response: { rows: 1, bytes: 3000, sample: 'x'.repeat(3000), truncated: false },
    });
    const entries = nativeEntries(sink, [deleteQuery(1), large, deleteQuery(3)]);
    expect(await sink.deliver(entries, running)).toEqual({
      kind: 'partial',
      failed: [
        {
          index: 1,
          reason: `the entry is ${14 + 'warden'.length + 'db.query'.length + entries[1]!.bytes} bytes, more than maxEntryBytes (2048)`,
          retryable: false,
        },
      ],
    });
    expect(bus.accepted.map((entry) => JSON.parse(entry.Detail!).seq)).toEqual([1, 3]);

    const alone = await sink.deliver([entries[1]!], running);
    expect(alone).toMatchObject({ kind: 'rejected', splittable: false });
    expect(bus.calls).toHaveLength(1);
  });

  it('rejects refused credentials as 401/403, and never shows a credential in the reason', async () => {
    const bus = await receiver();
    const wrong = {
      accessKeyId: 'AKIAWARDENUNKNOWN999',
      secretAccessKey: 'zzSecretThatMustNotLeakzzzzzzzzzzzzzzzzz',
      sessionToken: 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN',
    };
    const sink = openSink(bus.url, { credentials: wrong });
    const outcome = await sink.deliver(nativeEntries(sink, [deleteQuery(1)]), running);
    expect(outcome).toMatchObject({ kind: 'rejected', status: 401, splittable: false });
    const reason = outcome.kind === 'rejected' ? outcome.reason : '';
    expect(reason).toContain('UnrecognizedClientException');
    for (const secret of Object.values(wrong)) expect(reason).not.toContain(secret);

    bus.failCalls(1, {
      status: 400,
      type: 'AccessDeniedException',
      message: `User ${credentials.accessKeyId} is not authorized to perform events:PutEvents`,
    });
    const denied = await openSink(bus.url).deliver(nativeEntries(sink, [deleteQuery(1)]), running);
    expect(denied).toMatchObject({ kind: 'rejected', status: 403, splittable: false });
    expect(denied.kind === 'rejected' && denied.reason).toBe(
      'eventbridge audit (us-east-1): AccessDeniedException: User (redacted) is not authorized to perform events:PutEvents',
    );
  });

  it('rejects a call refused as invalid (splittable: one entry may be at fault)', async () => {
    const bus = await receiver();
    const sink = openSink(bus.url);
    bus.failCalls(1, { status: 400, type: 'ValidationException', message: 'bad entry' });
    expect(
      await sink.deliver(nativeEntries(sink, [deleteQuery(1), deleteQuery(2)]), running),
    ).toEqual({
      kind: 'rejected',
      reason: 'eventbridge audit (us-east-1): ValidationException: bad entry',
      status: 400,
      splittable: true,
    });
  });
});
