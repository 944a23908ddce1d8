// The delivery engine against a real webhook receiver: order, signatures, outages, splitting,
// dead letters, re-drive, restarts and replays, over a real journal and store.
import { afterEach, describe, expect, it } from 'vitest';
import { openJournal, type Journal } from '../../src/audit/index.js';
import { parseConfig, type SinkConfig } from '../../src/config/index.js';
import {
  createSinkAdmin,
  startExport,
  type ExportService,
  type SinkAdmin,
} from '../../src/export/index.js';
import { silentLogger } from '../../src/log/index.js';
import { freePort } from '../../src/sandbox/free-port.js';
import { openTempStore, sessionDrafts, type TempStore } from '../audit/fixtures.js';
import { eventually } from '../support/eventually.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

interface World {
  temp: TempStore;
  journal: Journal;
  sink: SinkConfig;
  admin: SinkAdmin;
  exporter: ExportService | null;
  /** Appends `count` events of a session (start, statements, end), waits until they are indexed. */
  append(count: number, sessionId?: string): Promise<void>;
  start(): ExportService;
  stop(): Promise<void>;
}

const worlds: World[] = [];
const receivers: WebhookReceiver[] = [];

afterEach(async () => {
  for (const world of worlds.splice(0)) {
    await world.stop();
    await world.journal.close();
    await world.temp.cleanup();
  }
  for (const receiver of receivers.splice(0)) await receiver.close();
});

/** A webhook sink with fast retries; `extra` is more YAML under the sink's entry. */
function webhookSink(url: string, extra = ''): SinkConfig {
  const config = parseConfig(
    `sinks:
  - name: hook
    type: webhook
    url: ${url}
    secret: ${SECRET}
    start: beginning
    retry: { minDelay: 10ms, maxDelay: 40ms }
${extra
  .split('\n')
  .filter(Boolean)
  .map((line) => `    ${line}`)
  .join('\n')}
`,
    { env: {}, baseDir: '.' },
  );
  return config.sinks[0] as SinkConfig;
}

async function world(sink: SinkConfig): Promise<World> {
  const temp = await openTempStore();
  const journal = await openJournal(temp.store);
  let statements = 0;
  const created: World = {
    temp,
    journal,
    sink,
    admin: createSinkAdmin(temp.store, [sink], () => journal.indexed()),
    exporter: null,
    async append(count, sessionId = 'session-1') {
      const drafts = sessionDrafts({ sessionId });
      for (let i = 0; i < count; i++) {
        statements += 1;
        await journal.append(
          i % 2 === 0
            ? drafts.statementStart(statements, `DELETE FROM t WHERE id = ${statements}`)
            : drafts.statementResult(statements, `DELETE FROM t WHERE id = ${statements}`),
        );
      }
      await journal.indexed();
    },
    start() {
      created.exporter = startExport({
        sinks: [sink],
        store: temp.store,
        logger: silentLogger(),
        pollIntervalMs: 10,
      });
      return created.exporter;
    },
    async stop() {
      await created.exporter?.close();
      created.exporter = null;
    },
  };
  worlds.push(created);
  return created;
}

async function receiver(port = 0): Promise<WebhookReceiver> {
  const started = await WebhookReceiver.start(SECRET, port);
  receivers.push(started);
  return started;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

describe('delivery to a webhook', () => {
  it('sends every event in journal order, signed, with the event id as webhook-id', async () => {
    const hook = await receiver();
    const w = await world(webhookSink(hook.url));
    await w.append(12);
    w.start();
    await hook.waitUntil(() => hook.accepted.length === 12);
    expect(hook.acceptedSeqs()).toEqual(range(1, 12));
    for (const delivery of hook.accepted) {
      expect(delivery.signatureValid).toBe(true);
      expect(delivery.headers['webhook-id']).toBe((delivery.events[0] as { id: string }).id);
      expect(delivery.headers['content-type']).toBe('application/json');
    }
    // The cursor is saved once the receiver's answer is in, which is after it counted the request.
    const status = await eventually(async () => {
      const [hookStatus] = await w.admin.list();
      return hookStatus?.cursor === 12 && hookStatus;
    });
    expect(status).toMatchObject({ name: 'hook', state: 'ok', cursor: 12, lag: 0, delivered: 12 });
  });

  it('sends batches as JSON arrays within maxEvents, each signed', async () => {
    const hook = await receiver();
    const w = await world(webhookSink(hook.url, 'mode: batch\nbatch: { maxEvents: 5 }'));
    await w.append(23);
    w.start();
    await hook.waitUntil(() => hook.acceptedSeqs().length === 23);
    expect(hook.acceptedSeqs()).toEqual(range(1, 23));
    expect(hook.accepted.every((delivery) => delivery.body.startsWith('['))).toBe(true);
    expect(Math.max(...hook.accepted.map((delivery) => delivery.events.length))).toBe(5);
    expect(hook.accepted.every((delivery) => delivery.signatureValid)).toBe(true);
  });

  it('sends only what the filter selects, and moves the cursor past the rest', async () => {
    const hook = await receiver();
    const w = await world(
      webhookSink(hook.url, 'filter: { types: [db.query], outcomes: [success] }'),
    );
    await w.append(10);
    w.start();
    await eventually(async () => (await w.admin.list())[0]?.cursor === 10);
    expect(hook.acceptedSeqs()).toEqual([2, 4, 6, 8, 10]);
    expect(hook.accepted.every((delivery) => delivery.events[0]?.type === 'db.query')).toBe(true);
  });

  it('a destination that is down gets everything once it is back; the sink shows degraded meanwhile', async () => {
    const port = await freePort();
    const w = await world(webhookSink(`http://127.0.0.1:${port}/hook`));
    await w.append(8);
    const exporter = w.start();
    await eventually(() => exporter.health()[0]?.degradedSince != null);
    expect(exporter.health()[0]?.lastError).toMatch(/ECONNREFUSED/);
    const [degraded] = await w.admin.list();
    expect(degraded).toMatchObject({ state: 'degraded', cursor: 0, lag: 8 });

    const hook = await receiver(port);
    hook.answerNext(
      () => ({ status: 503, body: 'maintenance' }),
      () => ({ status: 429, headers: { 'retry-after': '0' } }),
    );
    await w.append(4);
    await hook.waitUntil(() => hook.accepted.length === 12);
    expect(hook.acceptedSeqs()).toEqual(range(1, 12));
    await eventually(() => exporter.health()[0]?.degradedSince === null);
    const [recovered] = await w.admin.list();
    expect(recovered).toMatchObject({
      state: 'ok',
      cursor: 12,
      delivered: 12,
      degradedSince: null,
    });
    expect(recovered?.lastError).toMatch(/429/);
  });

  it('isolates a refused event by splitting the batch, keeps it as a dead letter, and re-drives it', async () => {
    const hook = await receiver();
    const w = await world(webhookSink(hook.url, 'mode: batch\nbatch: { maxEvents: 8 }'));
    const poison = 5;
    hook.answerAlways((delivery) =>
      delivery.events.some((event) => event.seq === poison)
        ? { status: 400, body: '{"error":"field too long"}' }
        : null,
    );
    await w.append(16);
    w.start();
    await hook.waitUntil(() => hook.acceptedSeqs().length === 15);
    expect(hook.acceptedSeqs()).toEqual(range(1, 16).filter((seq) => seq !== poison));
    const letters = await w.admin.deadLetters('hook', { limit: 10 });
    expect(letters).toMatchObject([
      {
        seq: poison,
        status: 400,
        reason: expect.stringMatching(/answered 400: \{"error":"field too long"\}/),
      },
    ]);
    expect((await w.admin.list())[0]).toMatchObject({ cursor: 16, deadLetters: 1 });

    hook.answerAlways(null);
    expect(await w.admin.redrive('hook')).toBe(1);
    await hook.waitUntil(() => hook.acceptedSeqs().includes(poison));
    await eventually(async () => (await w.admin.list())[0]?.deadLetters === 0);
    expect(hook.acceptedSeqs().filter((seq) => seq === poison)).toHaveLength(1);
  });

  it('re-drives dead letters one per request in event mode, each once', async () => {
    const hook = await receiver();
    const w = await world(webhookSink(hook.url));
    hook.answerAlways(() => ({ status: 422, body: 'not now' }));
    await w.append(3);
    w.start();
    await eventually(async () => (await w.admin.list())[0]?.deadLetters === 3);
    hook.answerAlways(null);
    expect(await w.admin.redrive('hook')).toBe(3);
    await hook.waitUntil(() => hook.accepted.length === 3);
    await eventually(async () => (await w.admin.list())[0]?.deadLetters === 0);
    expect(hook.acceptedSeqs()).toEqual([1, 2, 3]);
    expect(hook.accepted.every((delivery) => delivery.events.length === 1)).toBe(true);
  });

  it('splits a batch the destination finds too large (413) and sends the halves', async () => {
    const hook = await receiver();
    const w = await world(webhookSink(hook.url, 'mode: batch\nbatch: { maxEvents: 16 }'));
    hook.answerAlways((delivery) =>
      delivery.events.length > 3 ? { status: 413, body: 'Payload Too Large' } : null,
    );
    await w.append(16);
    w.start();
    await hook.waitUntil(() => hook.acceptedSeqs().length === 16);
    expect(hook.acceptedSeqs()).toEqual(range(1, 16));
    expect(hook.accepted.every((delivery) => delivery.events.length <= 3)).toBe(true);
    expect(await w.admin.deadLetters('hook', { limit: 10 })).toEqual([]);
  });

  it('a refused credential (401) keeps the events as dead letters and shows the sink degraded', async () => {
    const hook = await receiver();
    const w = await world(webhookSink(hook.url));
    hook.answerAlways(() => ({ status: 401, body: 'bad key' }));
    await w.append(3);
    const exporter = w.start();
    await eventually(async () => (await w.admin.list())[0]?.cursor === 3);
    expect((await w.admin.list())[0]).toMatchObject({ deadLetters: 3, state: 'degraded' });
    expect(exporter.health()[0]?.lastError).toBe(
      'webhook 127.0.0.1:' + hook.port + ' answered 401: bad key',
    );
    expect(hook.accepted).toEqual([]);
  });

  it('resumes from its cursor after a restart: nothing lost, nothing sent twice', async () => {
    const hook = await receiver();
    const w = await world(webhookSink(hook.url));
    await w.append(6);
    w.start();
    await hook.waitUntil(() => hook.accepted.length === 6);
    // Stopped at once: the request in flight is answered before the loop stops.
    await w.stop();
    expect((await w.admin.list())[0]?.cursor).toBe(6);
    await w.append(6);
    w.start();
    await hook.waitUntil(() => hook.accepted.length === 12);
    expect(hook.acceptedSeqs()).toEqual(range(1, 12));
  });

  it('replays a range again without moving the live cursor', async () => {
    const hook = await receiver();
    const w = await world(webhookSink(hook.url));
    await w.append(10);
    w.start();
    await hook.waitUntil(() => hook.accepted.length === 10);
    const replay = await w.admin.replay('hook', { fromSeq: 3, untilSeq: 6 });
    expect(replay).toMatchObject({ fromSeq: 3, untilSeq: 6, cursor: 2, state: 'pending' });
    await hook.waitUntil(() => hook.accepted.length === 14);
    expect(hook.acceptedSeqs().slice(10)).toEqual([3, 4, 5, 6]);
    await eventually(async () => (await w.admin.list())[0]?.replays[0]?.state === 'done');
    expect((await w.admin.list())[0]).toMatchObject({ cursor: 10, delivered: 10 });
  });

  it('starts after the events already in the journal when start is now', async () => {
    const hook = await receiver();
    const sink = { ...webhookSink(hook.url), start: { from: 'now' as const } };
    const w = await world(sink);
    await w.append(5);
    w.start();
    await eventually(async () => (await w.admin.list())[0]?.cursor === 5);
    await w.append(2);
    await hook.waitUntil(() => hook.accepted.length === 2);
    expect(hook.acceptedSeqs()).toEqual([6, 7]);
  });

  it('refuses an unknown sink and a malformed replay range with clear errors', async () => {
    const hook = await receiver();
    const w = await world(webhookSink(hook.url));
    await expect(w.admin.replay('nope', { fromSeq: 1 })).rejects.toThrow(
      'no sink named "nope"; configured: hook',
    );
    await expect(w.admin.replay('hook', {})).rejects.toThrow(
      'give one of since (a time) or fromSeq (a seq)',
    );
    await expect(w.admin.replay('hook', { since: 'yesterday' })).rejects.toThrow(
      'since: expected an ISO 8601 time, got "yesterday"',
    );
  });
});
