import { duration } from './duration.js';
import { keyPath } from './issue-list.js';
import { Mapping, reportExpected, type Read } from './reader.js';
import type { RetentionConfig } from './types.js';

const DAY_MS = 86_400_000;
const age = duration(DAY_MS, 100 * 365 * DAY_MS, 'of 1d to 100 years');

/** Event types as the journal writes them: `db.query`, `idp.okta`, `journal.retention`. */
const EVENT_TYPE = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;

/**
 * `retention: { events: 400d, types: { db.query: 90d }, interval: 1h }`. Without it, events are
 * kept forever: removing audit records is a decision an operator makes, never a default.
 */
export const readRetention: Read<RetentionConfig> = (value, path, context) => {
  const retention = Mapping.read(value, path, context, ['events', 'types', 'interval']);
  return {
    events: retention.optional('events', age, null),
    types: retention.optional('types', readAgesByType, {}),
    intervalMs: retention.optional('interval', duration(60_000, DAY_MS, 'of 1m to 1d'), 3_600_000),
  };
};

/** `types: { db.query: 90d, … }`: any event type, each with its own age. */
const readAgesByType: Read<Record<string, number>> = (value, path, context) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    reportExpected(context, path, 'a mapping of event type to age, e.g. db.query: 90d', value);
    return {};
  }
  const ages: Record<string, number> = {};
  for (const [type, raw] of Object.entries(value as Record<string, unknown>)) {
    const typePath = keyPath(path, type);
    if (!EVENT_TYPE.test(type)) {
      context.issues.add(typePath, 'expected an event type such as db.query or session.start');
      continue;
    }
    ages[type] = age(raw, typePath, context);
  }
  return ages;
};
