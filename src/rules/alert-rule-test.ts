import type { AuditEvent } from '../audit/index.js';
import type { AlertRule, ConnectionConfig } from '../config/index.js';
import { loadSqlClassifier } from '../policy/index.js';
import { AlertEvaluator } from './alert-evaluator.js';
import { alertFacts, type AlertFacts } from './alert-record.js';

/**
 * The alerts `rule` would have raised over `events` (in journal order), counting from nothing as
 * a rule newly configured would: the same evaluation as the running rules, raising nothing.
 */
export async function testAlertRule(
  rule: AlertRule,
  events: AsyncIterable<AuditEvent>,
  connections: readonly ConnectionConfig[],
): Promise<AlertFacts[]> {
  await loadSqlClassifier();
  const evaluator = new AlertEvaluator([rule], connections);
  const fired: AlertFacts[] = [];
  for await (const event of events) {
    for (const trigger of evaluator.evaluate(event)) fired.push(alertFacts(trigger));
  }
  return fired;
}
