// One timeline per identity: the identity provider's events about it merged, in time order, with
// what it did through Warden, over a real journal and its indexer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuditQueryError,
  createAuditReader,
  openJournal,
  type AuditEvent,
  type AuditReader,
  type EventDraft,
  type Journal,
  type TimelineFilter,
} from '../../src/audit/index.js';
import type { Store } from '../../src/store/index.js';
import { testJournal, type TestJournal } from '../support/test-journal.js';
import {
  analyst,
  at,
  billingAgent,
  dated,
  idpEventDraft,
  openTempStore,
  sessionDrafts,
  tamper,
  type TempStore,
} from './fixtures.js';

/** An agent known to Entra by its service principal, to the gateway by its app id. */
const reportingAgent = {
  subject: 'app-42',
  name: 'reporting-agent',
  provider: 'entra',
  groups: ['agents-db'],
  kind: 'agent' as const,
};

/** Every page of a timeline, following its cursors. */
async function allPages(reader: AuditReader, key: string, filter: TimelineFilter) {
  const pages: AuditEvent[][] = [];
  let after: string | undefined;
  do {
    const page = await reader.timeline(key, { ...filter, after });
    expect(page).not.toBeNull();
    pages.push(page!.items);
    after = page!.nextCursor ?? undefined;
  } while (after !== undefined && pages.length < 100);
  return pages;
}

const describeItem = (event: AuditEvent) =>
  event.type === 'db.query' ? `db.query ${event.request?.command}` : event.type;

describe('identity timeline', () => {
  let temp: TempStore;
  let journal: Journal;
  let recorded: TestJournal;
  let reader: AuditReader;

  beforeAll(async () => {
    temp = await openTempStore();
    journal = await openJournal(temp.store);
    recorded = testJournal((draft, options) => journal.append(draft, options));
    const billing = sessionDrafts({ sessionId: 'billing-1' });
    const analytics = sessionDrafts({
      sessionId: 'analytics-1',
      actor: analyst,
      connection: 'pg-analytics',
    });
    const reporting = sessionDrafts({ sessionId: 'reporting-1', actor: reportingAgent });
    const earlier = sessionDrafts({ sessionId: 'billing-0' });
    // The gateway's events first, as they happen; billing-agent's and ana's sessions interleave.
    const gateway: EventDraft[] = [
      dated(0, earlier.start()),
      dated(1, earlier.statementStart(1, 'SELECT 0')),
      dated(1, earlier.statementResult(1, 'SELECT 0')),
      dated(2, earlier.end({ statements: 1, errors: 0 })),
      dated(100, billing.start()),
      dated(100, analytics.start()),
    ];
    for (let index = 1; index <= 7; index++) {
      const command = `DELETE FROM orders WHERE id = ${index}`;
      // The last two were sent together and share a time with a refused connection after them.
      const second = 100 + Math.min(index, 6) * 10;
      gateway.push(
        dated(second, billing.statementStart(index, command)),
        dated(second + 1, analytics.statementStart(index, `SELECT ${index}`)),
        dated(second + 1, analytics.statementResult(index, `SELECT ${index}`)),
        dated(second, billing.statementResult(index, command)),
      );
    }
    gateway.push(
      { type: 'authz.denied', actor: billingAgent, time: at(160) },
      dated(200, billing.end({ statements: 7, errors: 0 })),
      dated(200, analytics.end({ statements: 7, errors: 0 })),
      dated(300, reporting.start()),
      dated(301, reporting.statementStart(1, 'SELECT sum(total) FROM orders')),
      dated(301, reporting.statementResult(1, 'SELECT sum(total) FROM orders')),
      dated(302, reporting.end({ statements: 1, errors: 0 })),
    );
    for (const draft of gateway) await recorded.append(draft);
    // The providers' logs arrive later, dated before what followed them.
    await recorded.append(
      idpEventDraft('okta', at(99), billingAgent, 'app.oauth2.as.token.grant.access_token', {
        clientId: billingAgent.subject,
        alternateId: 'billing-agent-app',
      }),
    );
    await recorded.append(
      idpEventDraft(
        'entra',
        at(299),
        { subject: 'sp-77', name: 'reporting-agent', kind: 'agent' },
        'Sign-in activity',
        { clientId: 'app-42', alternateId: 'app-42' },
      ),
    );
    await recorded.append(
      idpEventDraft(
        'okta',
        at(50),
        { subject: '00u-ana', name: 'Ana', kind: 'person' },
        'user.session.start',
        {
          alternateId: 'ana@example.com',
        },
      ),
    );
    // Events of no identity.
    await recorded.append({ type: 'collector.checkpoint', time: at(400) });
    reader = createAuditReader(temp.store, { settle: () => journal.indexed() });
  });

  afterAll(async () => {
    await journal.close();
    await temp.cleanup();
  });

  /** What a timeline of these subjects holds: their events and their sessions' results. */
  function expected(subjects: string[]): AuditEvent[] {
    const sessions = new Set(
      recorded
        .ofType('session.start')
        .filter((event) => subjects.includes(event.actor!.subject))
        .map((event) => event.sessionId),
    );
    return recorded.events
      .filter((event) =>
        event.type === 'db.query'
          ? sessions.has(event.sessionId)
          : event.type !== 'db.query.start' && subjects.includes(event.actor?.subject as string),
      )
      .sort((a, b) => a.time.localeCompare(b.time) || a.seq - b.seq);
  }

  it("puts the provider's events, recorded after the gateway's, in time order", async () => {
    const timeline = await reader.timeline(billingAgent.subject, { since: at(90) });
    expect(timeline!.identities.map((identity) => identity.subject)).toEqual([
      billingAgent.subject,
    ]);
    expect(timeline!.items.slice(0, 4).map(describeItem)).toEqual([
      'idp.okta',
      'session.start',
      'db.query DELETE FROM orders WHERE id = 1',
      'db.query DELETE FROM orders WHERE id = 2',
    ]);
    expect(timeline!.items.at(-1)!.type).toBe('session.end');
    expect(timeline!.items).toEqual(
      expected([billingAgent.subject]).filter((e) => e.time >= at(90)),
    );
    expect(timeline!.nextCursor).toBeNull();
  });

  it('never shows the statements of another identity’s session', async () => {
    const timeline = await reader.timeline(billingAgent.subject);
    const sessions = new Set(timeline!.items.map((event) => event.sessionId));
    expect(sessions).toEqual(new Set([null, 'billing-0', 'billing-1']));
    expect(timeline!.items.some((event) => event.type === 'db.query.start')).toBe(false);
  });

  it('finds an identity by client id and by alternate id, with every subject known so', async () => {
    const byClientId = await reader.timeline('app-42');
    expect(byClientId!.identities.map((identity) => identity.subject)).toEqual(['app-42', 'sp-77']);
    expect(byClientId!.items.map(describeItem)).toEqual([
      'idp.entra',
      'session.start',
      'db.query SELECT sum(total) FROM orders',
      'session.end',
    ]);

    const byAlternateId = await reader.timeline('ana@example.com');
    expect(byAlternateId!.identities.map((identity) => identity.subject)).toEqual(['00u-ana']);
    expect(byAlternateId!.items).toEqual(expected([analyst.subject]));
    expect(byAlternateId!.items[0]!.type).toBe('idp.okta');

    const byOktaAlternateId = await reader.timeline('billing-agent-app');
    expect(byOktaAlternateId!.items).toEqual(expected([billingAgent.subject]));
  });

  it('pages through a session’s statements, losing and repeating nothing', async () => {
    for (const limit of [1, 2, 3, 5]) {
      const pages = await allPages(reader, billingAgent.subject, { limit });
      expect(pages.every((page) => page.length <= limit)).toBe(true);
      expect(pages.flat()).toEqual(expected([billingAgent.subject]));
    }
    // Pages starting inside the session, which started before the first of them.
    const fromInside = await allPages(reader, billingAgent.subject, { since: at(135), limit: 2 });
    expect(fromInside.flat()).toEqual(
      expected([billingAgent.subject]).filter((event) => event.time >= at(135)),
    );
    expect(fromInside[0]!.map(describeItem)).toEqual([
      'db.query DELETE FROM orders WHERE id = 4',
      'db.query DELETE FROM orders WHERE id = 5',
    ]);
  });

  it('bounds a page by until', async () => {
    const pages = await allPages(reader, billingAgent.subject, { until: at(130), limit: 3 });
    expect(pages.flat()).toEqual(
      expected([billingAgent.subject]).filter((event) => event.time < at(130)),
    );
  });

  it('lists identities newest activity first, with their names and counts', async () => {
    const { identities, nextCursor } = await reader.listIdentities();
    expect(nextCursor).toBeNull();
    // Equal last activity (a session end each, at 200 s): by subject, descending.
    expect(identities.map((identity) => identity.subject)).toEqual([
      'app-42',
      'sp-77',
      billingAgent.subject,
      analyst.subject,
    ]);
    expect(identities[2]).toEqual({
      subject: billingAgent.subject,
      // The latest non-null names: the Okta event's, recorded last.
      name: 'billing-agent',
      provider: 'okta-prod',
      kind: 'agent',
      clientId: billingAgent.subject,
      alternateId: 'billing-agent-app',
      firstSeen: at(0),
      lastSeen: at(200),
      // Two sessions' start and end, and a refusal; statements are not counted.
      gatewayEvents: 5,
      idpEvents: 1,
    });

    const first = await reader.listIdentities({ limit: 3 });
    const rest = await reader.listIdentities({ limit: 3, after: first.nextCursor! });
    expect([...first.identities, ...rest.identities]).toEqual(identities);
    expect(rest.nextCursor).toBeNull();

    const found = await reader.listIdentities({ q: 'ANA@' });
    expect(found.identities.map((identity) => identity.subject)).toEqual([analyst.subject]);
  });

  it('answers null for an identity never seen, and names a malformed filter', async () => {
    expect(await reader.timeline('nobody')).toBeNull();
    await expect(reader.timeline(billingAgent.subject, { after: 'garbage' })).rejects.toThrow(
      AuditQueryError,
    );
    await expect(reader.timeline(billingAgent.subject, { after: 'garbage' })).rejects.toThrow(
      /^after: expected a cursor from a next link, got "garbage"$/,
    );
    await expect(
      reader.timeline(billingAgent.subject, { since: at(10), until: at(5) }),
    ).rejects.toThrow(/^until: expected a time after since/);
    await expect(reader.listIdentities({ after: 'garbage' })).rejects.toThrow(/^after: /);
  });
});

describe('identities of a journal recorded before migration 0006', () => {
  it('are backfilled by the migration as the indexer keeps them', async () => {
    const temp = await openTempStore();
    try {
      const journal = await openJournal(temp.store);
      const billing = sessionDrafts({ sessionId: 'before-1' });
      await journal.appendMany([
        dated(0, billing.start()),
        dated(1, billing.statementStart(1, 'SELECT 1')),
        dated(1, billing.statementResult(1, 'SELECT 1')),
        dated(2, billing.end({ statements: 1, errors: 0 })),
        idpEventDraft('okta', at(-5), billingAgent, 'app.oauth2.as.token.grant.access_token', {
          alternateId: 'billing-agent-app',
        }),
        { type: 'authz.denied', actor: analyst, time: at(3) },
      ]);
      await journal.close();
      const identities = (store: Store) =>
        store.db.selectFrom('identities').selectAll().orderBy('subject').execute();
      const indexed = await identities(temp.store);
      expect(indexed).toHaveLength(2);

      // The journal as it was before 0006: no identities, no index for them, nor what came later.
      tamper(temp.path, (database) =>
        database.exec(`
          DROP TABLE identities;
          DROP INDEX events_actor_subject_time;
          DROP TABLE reviews;
          DROP TABLE alert_engine;
          DELETE FROM kysely_migration WHERE name >= '0006';
        `),
      );
      const store = await temp.reopen();

      expect(await identities(store)).toEqual(indexed);
      const reader = createAuditReader(store);
      const timeline = await reader.timeline('billing-agent-app');
      expect(timeline!.items.map(describeItem)).toEqual([
        'idp.okta',
        'session.start',
        'db.query SELECT 1',
        'session.end',
      ]);
    } finally {
      await temp.cleanup();
    }
  });
});
