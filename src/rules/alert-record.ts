// What a raised alert leaves: an `alert.raised` event in the journal (the rule, the events that
// made it) and a notification to the rule's channels.
import { EventTypes, type AuditEvent, type EventDraft } from '../audit/index.js';
import type { AlertRule, AlertSeverity } from '../config/index.js';
import type { Notification } from '../notifications/index.js';
import { alertRuleId, UNKNOWN_KEY, type AlertTrigger } from './alert-evaluator.js';
import type { CountedEvent } from './counted-event.js';

/** Event ids an alert names at most; firstSeq and lastSeq bound them all. */
const MAX_EVENT_IDS = 100;

/** An alert as `warden alerts test` shows it and as its record states it. */
export interface AlertFacts {
  rule: string;
  severity: AlertSeverity;
  /** What the threshold counted by (an actor's subject …); null without a threshold. */
  key: string | null;
  count: number;
  windowSeconds: number | null;
  /** The time of the latest event that made it. */
  time: string;
  firstSeq: number;
  lastSeq: number;
  firstEventId: string;
  lastEventId: string;
  /** The events' ids in journal order, the first MAX_EVENT_IDS of them. */
  events: string[];
  /** The rule's description, or a sentence saying what happened. */
  message: string;
}

export function alertFacts(trigger: AlertTrigger): AlertFacts {
  const { rule, key } = trigger;
  const bySeq = [...trigger.events].sort((a, b) => a.seq - b.seq);
  const first = bySeq[0] as CountedEvent;
  const last = bySeq.at(-1) as CountedEvent;
  return {
    rule: rule.name,
    severity: rule.severity,
    key,
    count: bySeq.length,
    windowSeconds: rule.threshold ? rule.threshold.windowMs / 1000 : null,
    time: (trigger.events.at(-1) as CountedEvent).time,
    firstSeq: first.seq,
    lastSeq: last.seq,
    firstEventId: first.id,
    lastEventId: last.id,
    events: bySeq.slice(0, MAX_EVENT_IDS).map((event) => event.id),
    message: rule.description ?? whatHappened(trigger),
  };
}

/**
 * The `alert.raised` event: the actor, connection and session of the events that made it when
 * they all share them.
 */
export function alertDraft(trigger: AlertTrigger): EventDraft {
  const facts = alertFacts(trigger);
  const [first] = trigger.events as [CountedEvent];
  const shared = <T>(value: (event: CountedEvent) => T, same: (a: T, b: T) => boolean) =>
    trigger.events.every((event) => same(value(event), value(first))) ? value(first) : null;
  return {
    type: EventTypes.alertRaised,
    actor: shared(
      (event) => event.actor,
      (a, b) => a?.subject === b?.subject,
    ),
    connection: shared(
      (event) => event.connection,
      (a, b) => a?.name === b?.name,
    ),
    sessionId: shared(
      (event) => event.sessionId,
      (a, b) => a === b,
    ),
    policy: {
      rule: alertRuleId(trigger.rule),
      action: 'alert',
      message: facts.message,
      severity: facts.severity,
      count: facts.count,
      windowSeconds: facts.windowSeconds,
      key: facts.key,
      events: facts.events,
      firstSeq: facts.firstSeq,
      lastSeq: facts.lastSeq,
    },
  };
}

/** What the rule's channels are told; webhooks get the alert's event whole. */
export function alertNotification(rule: AlertRule, alert: AuditEvent): Notification {
  const policy = alert.policy ?? { rule: alertRuleId(rule), action: 'alert' };
  const where = [
    alert.actor ? `Actor: ${alert.actor.name} (${alert.actor.kind})` : null,
    alert.connection ? `Connection: ${alert.connection.name}` : null,
    `Events: ${String(policy.count)}, seq ${String(policy.firstSeq)}–${String(policy.lastSeq)}`,
  ].filter((part) => part !== null);
  return {
    title: `Warden alert: ${rule.name} (${rule.severity})`,
    text: `${policy.message ?? ''}\n${where.join(' · ')}`,
    severity: rule.severity,
    link: null,
    payload: { ...alert },
  };
}

/** A sentence for a rule without a description. */
function whatHappened({ rule, key, events }: AlertTrigger): string {
  const latest = events.at(-1) as CountedEvent;
  if (rule.threshold === null) {
    const who = latest.actor ? ` by ${latest.actor.name}` : '';
    const where = latest.connection ? ` on ${latest.connection.name}` : '';
    return `${latest.type}${who}${where} matched alert rule ${rule.name}`;
  }
  const seconds = rule.threshold.windowMs / 1000;
  return `${events.length} events matched alert rule ${rule.name} within ${seconds} s${scope(rule.threshold.by, key, latest)}`;
}

function scope(by: string, key: string | null, latest: CountedEvent): string {
  if (by === 'all' || key === null) return '';
  if (key === UNKNOWN_KEY) return ` (no ${by} recorded)`;
  switch (by) {
    case 'actor':
      return latest.actor ? ` by ${latest.actor.name} (${key})` : ` by ${key}`;
    case 'connection':
      return ` on ${key}`;
    case 'session':
      return ` in session ${key}`;
    default:
      return ` from ${key}`;
  }
}
