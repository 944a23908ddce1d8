// Alert rules (warden.yaml `alerts`) over the event stream: they count matching events, append
// `alert.raised` events and notify their channels; `warden alerts test` runs one over history.
export {
  startAlertRules,
  type AlertRules,
  type AlertRulesOptions,
  type AlertRuleStatus,
  type AlertRulesStatus,
} from './alert-engine.js';
export type { AlertFacts } from './alert-record.js';
export { testAlertRule } from './alert-rule-test.js';
