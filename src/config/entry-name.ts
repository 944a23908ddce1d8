import { stringMatching } from './reader.js';

/**
 * The name of a configured entry (a provider, guardrail, detector, alert rule, notification
 * channel, sink or collector): it appears in the record (`pg-prod.guardrails.<name>`,
 * `alerts.<name>`), masks, the journal, metrics, the CLI and URLs.
 */
export const entryName = stringMatching(
  /^[A-Za-z0-9_.-]{1,63}$/,
  'a name of 1-63 letters, digits, "_", "." or "-"',
);
