// The alert rules at work: they follow the journal from a durable cursor, evaluate every event
// committed after it, and for each alert append an `alert.raised` event and notify the rule's
// channels. The journal is the only input and the only record, so a restart loses nothing: the
// cursor says where to go on from, and the counting windows are rebuilt from the events before
// it (the alerts already raised among them acknowledged, none raised again).
import { setTimeout as sleep } from 'node:timers/promises';
import {
  EventTypes,
  eventsOfTypeFrom,
  journalEvents,
  seqAtTime,
  type Journal,
} from '../audit/index.js';
import type { AlertRule, AlertSeverity, ConnectionConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { Notifier } from '../notifications/index.js';
import { loadSqlClassifier } from '../policy/index.js';
import type { Store } from '../store/index.js';
import { loadAlertCursor, saveAlertCursor } from './alert-cursor.js';
import { AlertEvaluator, type AlertTrigger } from './alert-evaluator.js';
import { alertDraft, alertNotification } from './alert-record.js';

export interface AlertRulesOptions {
  rules: readonly AlertRule[];
  /** For the connections' tags. */
  connections: readonly ConnectionConfig[];
  store: Store;
  journal: Journal;
  notifier: Notifier;
  logger: Logger;
  /** The wait, once caught up with the journal, before looking again; default 200 ms. */
  pollIntervalMs?: number;
}

export interface AlertRuleStatus {
  name: string;
  severity: AlertSeverity;
  /** Alerts raised since the gateway started. */
  raised: number;
  lastRaisedAt: string | null;
  /** Keys (actors, connections …) with events in the rule's window. */
  trackedKeys: number;
}

export interface AlertRulesStatus {
  /** The last event evaluated. */
  cursor: number;
  /** Why evaluating stopped short, while it does (it starts over from the cursor). */
  lastError: string | null;
  rules: AlertRuleStatus[];
}

export interface AlertRules {
  status(): AlertRulesStatus;
  /** Stops after the event being evaluated; the cursor stays where evaluation got to. */
  close(): Promise<void>;
}

/** Events evaluated between two saves of the cursor, at most. */
const EVENTS_PER_STEP = 10_000;
/** The wait before starting over after a failure (a journal refusing appends, say). */
const RETRY_AFTER_FAILURE_MS = 1000;

/**
 * Starts evaluating the rules. The first start begins at the journal's head: rules do not fire on
 * history (`warden alerts test` shows what they would have raised there).
 */
export async function startAlertRules(options: AlertRulesOptions): Promise<AlertRules> {
  await loadSqlClassifier();
  const head = options.journal.status().committedSeq;
  const saved = await loadAlertCursor(options.store.db);
  // Without rules the cursor is kept current all the same: rules configured later start from
  // then, not from a stretch of history nobody evaluated.
  const cursor = saved === null || options.rules.length === 0 ? Math.max(saved ?? 0, head) : saved;
  if (cursor !== saved) await saveAlertCursor(options.store.db, cursor);
  const engine = new AlertEngine(options, cursor, saved !== null);
  if (options.rules.length > 0) engine.start();
  return engine;
}

class AlertEngine implements AlertRules {
  readonly #options: AlertRulesOptions;
  readonly #stopping = new AbortController();
  readonly #raised = new Map<string, { count: number; lastAt: string | null }>();
  #cursor: number;
  /** False at the first start: the windows start empty, history is not counted. */
  #rebuild: boolean;
  #evaluator: AlertEvaluator | null = null;
  #lastError: string | null = null;
  #loop: Promise<void> | null = null;

  constructor(options: AlertRulesOptions, cursor: number, rebuild: boolean) {
    this.#options = options;
    this.#cursor = cursor;
    this.#rebuild = rebuild;
    for (const rule of options.rules) this.#raised.set(rule.name, { count: 0, lastAt: null });
  }

  start(): void {
    this.#loop ??= this.#supervise();
  }

  status(): AlertRulesStatus {
    const keys = this.#evaluator?.trackedKeys();
    return {
      cursor: this.#cursor,
      lastError: this.#lastError,
      rules: this.#options.rules.map((rule) => {
        const raised = this.#raised.get(rule.name);
        return {
          name: rule.name,
          severity: rule.severity,
          raised: raised?.count ?? 0,
          lastRaisedAt: raised?.lastAt ?? null,
          trackedKeys: keys?.get(rule.name) ?? 0,
        };
      }),
    };
  }

  async close(): Promise<void> {
    this.#stopping.abort();
    await this.#loop;
  }

  /** Runs the evaluation, and starts it over from the saved cursor after a failure. */
  async #supervise(): Promise<void> {
    while (!this.#stopping.signal.aborted) {
      try {
        await this.#run();
      } catch (error) {
        this.#lastError = (error as Error).message;
        this.#options.logger.error(
          { err: error, cursor: this.#cursor },
          'alert rules: evaluation failed; starting over from the saved cursor',
        );
        await this.#sleep(RETRY_AFTER_FAILURE_MS);
      }
    }
  }

  async #run(): Promise<void> {
    const { store, journal, rules, connections } = this.#options;
    const evaluator = new AlertEvaluator(rules, connections);
    this.#evaluator = evaluator;
    let cursor = (await loadAlertCursor(store.db)) ?? this.#cursor;
    this.#cursor = cursor;
    if (this.#rebuild) await this.#rebuildWindows(evaluator, cursor);
    // After a failure the windows are rebuilt, the first start's too.
    this.#rebuild = true;
    while (!this.#stopping.signal.aborted) {
      const indexed = journal.status().indexedSeq;
      if (indexed <= cursor) {
        await this.#sleep(this.#options.pollIntervalMs ?? 200);
        continue;
      }
      const until = Math.min(indexed, cursor + EVENTS_PER_STEP);
      const counted = (type: string, body: string) => evaluator.mayCount(type, body);
      for await (const event of journalEvents(store.db, cursor, until, counted)) {
        for (const trigger of evaluator.evaluate(event)) await this.#raise(trigger);
        if (this.#stopping.signal.aborted) {
          cursor = event.seq;
          break;
        }
      }
      if (!this.#stopping.signal.aborted) cursor = until;
      await saveAlertCursor(store.db, cursor);
      this.#cursor = cursor;
      this.#lastError = null;
    }
  }

  /**
   * Counts again the events of the longest window before the cursor, as they were counted before
   * the restart, raising nothing: alerts raised then are in the journal, and acknowledged.
   */
  async #rebuildWindows(evaluator: AlertEvaluator, cursor: number): Promise<void> {
    const { db } = this.#options.store;
    // The events table must hold every event up to the cursor (and the alerts after it).
    await this.#options.journal.indexed();
    const windowMs = evaluator.longestWindowMs;
    const latest =
      windowMs === 0
        ? undefined
        : await db
            .selectFrom('events')
            .select('time')
            .where('seq', '<=', cursor)
            .orderBy('seq', 'desc')
            .limit(1)
            .executeTakeFirst();
    if (latest !== undefined) {
      const since = new Date(Date.parse(latest.time) - windowMs).toISOString();
      const from = await seqAtTime(db, since);
      const read = (type: string, body: string) =>
        type === EventTypes.alertRaised || evaluator.mayCount(type, body);
      for await (const event of journalEvents(db, from - 1, cursor, read)) {
        if (event.type === EventTypes.alertRaised) evaluator.acknowledge(event);
        else if (event.time >= since) evaluator.evaluate(event);
      }
    }
    // Raised after the cursor was last saved (the gateway stopped before it was): raised once.
    for await (const alert of eventsOfTypeFrom(db, EventTypes.alertRaised, cursor + 1)) {
      evaluator.acknowledge(alert);
    }
  }

  async #raise(trigger: AlertTrigger): Promise<void> {
    const { journal, notifier, logger } = this.#options;
    const alert = await journal.append(alertDraft(trigger));
    const raised = this.#raised.get(trigger.rule.name);
    if (raised) {
      raised.count += 1;
      raised.lastAt = alert.time;
    }
    logger.info(
      { rule: trigger.rule.name, key: trigger.key, seq: alert.seq },
      `alert ${trigger.rule.name} raised: ${alert.policy?.message ?? ''}`,
    );
    notifier.notify(trigger.rule.notify, alertNotification(trigger.rule, alert));
  }

  /** Waits, or less if the rules stop. */
  #sleep(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.#stopping.signal }).catch(() => undefined);
  }
}
