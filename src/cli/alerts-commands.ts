// `warden alerts …`: the configured alert rules, and what one of them would have raised over the
// journal's history (the same evaluation as the running gateway's, raising nothing).
import Table from 'cli-table3';
import { journalEvents, lastSeq, seqAtTime, type AuditEvent } from '../audit/index.js';
import { parseDuration, type AlertRule } from '../config/index.js';
import { testAlertRule, type AlertFacts } from '../rules/index.js';
import type { Store } from '../store/index.js';
import { loadConfigWithoutSecrets, resolveConfigPath } from './config-path.js';
import { dash, oneLine, row, shortTime, tableStyle } from './format.js';
import { withConfiguredStore } from './local-store.js';
import { isoTime, print, type CommonOptions } from './options.js';

export async function listAlerts(options: CommonOptions): Promise<number> {
  const config = await loadConfigWithoutSecrets(resolveConfigPath(options.config));
  const rules = config.alerts;
  print(options.json, rules.map(ruleView), () => renderAlertRules(rules));
  return 0;
}

export interface AlertTestReport {
  rule: string;
  since: string;
  /** Null: up to the journal's end when the test ran. */
  until: string | null;
  /** Events in the range, every one evaluated. */
  evaluated: number;
  total: number;
  alerts: AlertFacts[];
}

export async function testAlert(
  name: string,
  options: CommonOptions & { since?: string; until?: string },
): Promise<number> {
  const since = sinceTime(options.since ?? '7d');
  const until = isoTime('until', options.until) ?? null;
  if (until !== null && until <= since) {
    throw new Error(`--until: expected a time after --since (${since}), got ${until}`);
  }
  const report = await withConfiguredStore(options.config, async (store, config) => {
    const rule = config.alerts.find((alert) => alert.name === name);
    if (rule === undefined) {
      const names = config.alerts.map((alert) => alert.name);
      throw new Error(
        `no alert rule "${name}": ${names.length === 0 ? 'none is configured (alerts in warden.yaml)' : `the configured ones are ${names.join(', ')}`}`,
      );
    }
    const range = { evaluated: 0 };
    const events = eventsBetween(store, since, until, range);
    const alerts = await testAlertRule(rule, events, config.connections);
    return { rule: name, since, until, evaluated: range.evaluated, total: alerts.length, alerts };
  });
  print(options.json, report, () => renderAlertTest(report));
  return 0;
}

/** `--since`: a duration back from now (`7d`, `12h`), or an ISO 8601 time. */
function sinceTime(value: string): string {
  const ago = parseDuration(value);
  if (ago !== null) return new Date(Date.now() - ago).toISOString();
  if (Number.isNaN(Date.parse(value))) {
    throw new Error(
      `--since: expected a duration back from now (30m, 12h, 7d) or an ISO 8601 time, got "${value}"`,
    );
  }
  return new Date(value).toISOString();
}

/**
 * The events dated from `since` to before `until`, in journal order, counted in `range`. Read to
 * the journal's end: an event may be recorded well after its time (an identity provider's, a long
 * statement's result), and `until` must not leave it out.
 */
async function* eventsBetween(
  store: Store,
  since: string,
  until: string | null,
  range: { evaluated: number },
): AsyncGenerator<AuditEvent> {
  const from = await seqAtTime(store.db, since);
  for await (const event of journalEvents(store.db, from - 1, await lastSeq(store.db))) {
    if (event.time < since || (until !== null && event.time >= until)) continue;
    range.evaluated += 1;
    yield event;
  }
}

/** A rule as JSON shows it: its patterns as their source text. */
function ruleView(rule: AlertRule) {
  const { command } = rule.match;
  return {
    ...rule,
    match: {
      ...rule.match,
      command: command && {
        ...command,
        patterns: command.patterns.map((pattern) => pattern.source),
      },
    },
  };
}

function renderAlertRules(rules: readonly AlertRule[]): string {
  if (rules.length === 0) return 'No alert rules configured.';
  const table = new Table({
    ...tableStyle,
    head: ['rule', 'severity', 'matches', 'threshold', 'notify'],
  });
  for (const rule of rules) {
    const { threshold } = rule;
    table.push(
      row([
        rule.name,
        rule.severity,
        oneLine(describeMatch(rule), 70),
        threshold
          ? `${threshold.count} in ${threshold.windowMs / 1000} s by ${threshold.by}`
          : 'every match',
        rule.notify.length > 0 ? rule.notify.join(', ') : dash,
      ]),
    );
  }
  return table.toString();
}

/** The rule's conditions in a line: `types db.*; statements delete`. */
function describeMatch({ match }: AlertRule): string {
  const lists: [string, readonly string[]][] = [
    ['types', match.types],
    ['connections', match.connections],
    ['tags', match.tags],
    ['groups', match.groups],
    ['kinds', match.kinds],
    ['statements', match.command?.statements ?? []],
    ['tables', match.command?.tables ?? []],
    ['patterns', match.command?.patterns.map((pattern) => `/${pattern.source}/`) ?? []],
    ['outcomes', match.outcomes],
  ];
  return lists
    .filter(([, values]) => values.length > 0)
    .map(([name, values]) => `${name} ${values.join(', ')}`)
    .join('; ');
}

function renderAlertTest(report: AlertTestReport): string {
  const range = `${shortTime(report.since)} to ${report.until ? shortTime(report.until) : 'now'}`;
  const total = `${report.total} ${report.total === 1 ? 'alert' : 'alerts'} would have been raised by ${report.rule} from ${range} (${report.evaluated} events evaluated).`;
  if (report.total === 0) return total;
  const table = new Table({
    ...tableStyle,
    head: ['time', 'key', 'count', 'first event', 'last event'],
  });
  for (const alert of report.alerts) {
    table.push(
      row([
        shortTime(alert.time),
        alert.key ?? dash,
        alert.count,
        alert.firstEventId,
        alert.lastEventId,
      ]),
    );
  }
  return `${table.toString()}\n${total}`;
}
