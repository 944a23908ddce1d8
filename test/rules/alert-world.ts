// What the alert rule tests share: rules and connections read from warden.yaml text by the real
// config reader, a journal on a temporary SQLite store, and the rules running over it.
import {
  openJournal,
  type AuditEvent,
  type EventDraft,
  type Journal,
} from '../../src/audit/index.js';
import type { WardenConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import { createNotifier, type Notifier } from '../../src/notifications/index.js';
import { startAlertRules, type AlertRules } from '../../src/rules/index.js';
import {
  analyst,
  billingAgent,
  openTempStore,
  sessionDrafts,
  type TempStore,
} from '../audit/fixtures.js';
import { parse, pgConnection } from '../config/helpers.js';
import { eventsOfType } from '../support/events-of-type.js';
import { eventually } from '../support/eventually.js';

/** A config with pg-prod (tagged sensitive) and pg-dev, and these `alerts` and `notifications`. */
export function alertConfig(alerts: string, notifications = ''): WardenConfig {
  return parse(
    `
identity:
  providers:
    - name: okta
      preset: okta
      issuer: https://example.okta.com/oauth2/default
      audience: api://warden
connections:${pgConnection}
    tags: [sensitive]
  - name: pg-dev
    type: postgres
    target: { host: dev.internal, port: 5432, database: app, user: app_rw, password: dev }
    allow: [{ group: analysts }]
alerts:${alerts}
${notifications}`,
    { PG_PROD_PASSWORD: 'secret' },
  );
}

export interface AlertWorld {
  temp: TempStore;
  journal: Journal;
  /** Starts the rules of `config` (again, after a stop); the previous run must be closed. */
  start(config: WardenConfig, notifier?: Notifier): Promise<AlertRules>;
  /** Appends and waits until the running rules have evaluated it. */
  append(...drafts: EventDraft[]): Promise<AuditEvent[]>;
  /** The alert.raised events so far. */
  alerts(): Promise<AuditEvent[]>;
  /** Closes the rules, the journal and the store, as a stopping gateway does, and opens them again. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function alertWorld(): Promise<AlertWorld> {
  const temp = await openTempStore();
  let journal = await openJournal(temp.store);
  let rules: AlertRules | null = null;
  const world: AlertWorld = {
    temp,
    get journal() {
      return journal;
    },
    async start(config, notifier = createNotifier([], silentLogger())) {
      rules = await startAlertRules({
        rules: config.alerts,
        connections: config.connections,
        store: temp.store,
        journal,
        notifier,
        logger: silentLogger(),
        pollIntervalMs: 10,
      });
      return rules;
    },
    async append(...drafts) {
      const events = await journal.appendMany(drafts);
      const last = events.at(-1)?.seq ?? 0;
      const running = rules;
      if (running) await eventually(() => running.status().cursor >= last);
      return events;
    },
    alerts: () => eventsOfType(journal, temp.store, 'alert.raised'),
    async restart() {
      await rules?.close();
      rules = null;
      await journal.close();
      await temp.reopen();
      journal = await openJournal(temp.store);
    },
    async close() {
      await rules?.close();
      await journal.close();
      await temp.cleanup();
    },
  };
  return world;
}

/** A statement as the PostgreSQL listener records it: the write-ahead db.query.start, then db.query. */
export function statement(
  command: string,
  options: {
    actor?: typeof billingAgent | typeof analyst;
    sessionId?: string;
    connection?: string;
    time?: string;
  } = {},
): EventDraft[] {
  const session = sessionDrafts({
    sessionId: options.sessionId ?? `session-${options.actor?.name ?? billingAgent.name}`,
    actor: options.actor ?? billingAgent,
    connection: options.connection ?? 'pg-prod',
  });
  const dated = (draft: EventDraft) => (options.time ? { ...draft, time: options.time } : draft);
  return [dated(session.statementStart(1, command)), dated(session.statementResult(1, command))];
}

export { analyst, billingAgent, sessionDrafts };
