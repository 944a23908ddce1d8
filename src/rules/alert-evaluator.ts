// The alert rules applied to events one at a time, in journal order: which rules an event
// matches, what it counts toward, and which alerts it raises. The engine (live), its restart (to
// rebuild the windows) and `warden alerts test` (over history) all go through here.
import type { AuditEvent } from '../audit/index.js';
import type { AlertRule, AlertThreshold, ConnectionConfig } from '../config/index.js';
import { classifySql, type CommandProfile } from '../policy/index.js';
import { compileAlertMatch, type AlertMatcher } from './alert-match.js';
import { countedEvent, type CountedEvent } from './counted-event.js';
import { ThresholdWindows, type WindowLimits } from './threshold-windows.js';

/** An alert a rule raises: the events that made it, in time order. */
export interface AlertTrigger {
  rule: AlertRule;
  /** What the threshold counted by (`by`), e.g. the actor's subject; null without a threshold. */
  key: string | null;
  events: readonly CountedEvent[];
}

/** The key of an event that lacks what its rule counts by (no actor on an authn.failure, say). */
export const UNKNOWN_KEY = '(unknown)';

interface CompiledRule {
  rule: AlertRule;
  matcher: AlertMatcher;
  windows: ThresholdWindows | null;
  /** Per key, the last seq an alert already raised covers: events up to it count no more. */
  raisedThrough: Map<string, number>;
}

export class AlertEvaluator {
  readonly #rules: CompiledRule[];
  readonly #byPolicyRule: Map<string, CompiledRule>;

  constructor(
    rules: readonly AlertRule[],
    connections: readonly ConnectionConfig[],
    limits?: WindowLimits,
  ) {
    this.#rules = rules.map((rule) => ({
      rule,
      matcher: compileAlertMatch(rule.match, connections),
      windows: rule.threshold ? new ThresholdWindows(rule.threshold, limits) : null,
      raisedThrough: new Map(),
    }));
    this.#byPolicyRule = new Map(
      this.#rules.map((compiled) => [alertRuleId(compiled.rule), compiled]),
    );
  }

  /**
   * Whether any rule may count an event, by its type and stored JSON (AlertMatcher.mayCount):
   * others need not be parsed to be evaluated.
   */
  mayCount(type: string, body: string): boolean {
    return this.#rules.some(({ matcher }) => matcher.mayCount(type, body));
  }

  /** The longest threshold window: how far back a restart rebuilds the windows from. */
  get longestWindowMs(): number {
    return Math.max(0, ...this.#rules.map(({ rule }) => rule.threshold?.windowMs ?? 0));
  }

  /** Keys with events counted, per rule name. */
  trackedKeys(): Map<string, number> {
    return new Map(this.#rules.map(({ rule, windows }) => [rule.name, windows?.keys ?? 0]));
  }

  /** The alerts this event raises, in the order of the rules. */
  evaluate(event: AuditEvent): AlertTrigger[] {
    let profile: CommandProfile | null = null;
    const profileOnce = () => (profile ??= classifySql(event.request?.command ?? ''));
    const triggers: AlertTrigger[] = [];
    for (const compiled of this.#rules) {
      if (!compiled.matcher.matches(event, profileOnce)) continue;
      const { rule, windows, raisedThrough } = compiled;
      const key = rule.threshold ? thresholdKey(rule.threshold, event) : null;
      if (event.seq <= (raisedThrough.get(key ?? '') ?? 0)) continue;
      if (windows === null) {
        triggers.push({ rule, key, events: [countedEvent(event)] });
        continue;
      }
      const reached = windows.add(key as string, countedEvent(event));
      if (reached !== null) triggers.push({ rule, key, events: reached });
    }
    return triggers;
  }

  /**
   * Takes note of an alert already raised (an `alert.raised` event of one of these rules): the
   * events it covers count no more. Other events are ignored.
   */
  acknowledge(alert: AuditEvent): void {
    const compiled = this.#byPolicyRule.get(alert.policy?.rule ?? '');
    const lastSeq = alert.policy?.lastSeq;
    if (compiled === undefined || typeof lastSeq !== 'number') return;
    const key = typeof alert.policy?.key === 'string' ? alert.policy.key : '';
    compiled.raisedThrough.set(key, Math.max(lastSeq, compiled.raisedThrough.get(key) ?? 0));
    compiled.windows?.clearThrough(key, lastSeq);
  }
}

/** How the record names an alert rule (`policy.rule`). */
export function alertRuleId(rule: AlertRule): string {
  return `alerts.${rule.name}`;
}

function thresholdKey(threshold: AlertThreshold, event: AuditEvent): string {
  switch (threshold.by) {
    case 'actor':
      return event.actor?.subject ?? UNKNOWN_KEY;
    case 'connection':
      return event.connection?.name ?? UNKNOWN_KEY;
    case 'session':
      return event.sessionId ?? UNKNOWN_KEY;
    case 'source':
      return event.source?.ip ?? UNKNOWN_KEY;
    case 'all':
      return 'all';
  }
}
