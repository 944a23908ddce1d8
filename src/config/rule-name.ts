import { stringMatching } from './reader.js';

/**
 * The name of a guardrail, detector, alert rule or notification channel: it appears in the
 * record (`pg-prod.guardrails.<name>`, `alerts.<name>`), masks, the CLI and URLs.
 */
export const ruleName = stringMatching(
  /^[A-Za-z0-9_.-]{1,63}$/,
  'a name of 1-63 letters, digits, "_", "." or "-"',
);
