import { duration } from './duration.js';
import { Mapping, nonEmptyString, type Read } from './reader.js';
import type { RetentionConfig } from './types.js';

const DAY_MS = 86_400_000;
const age = duration(DAY_MS, 100 * 365 * DAY_MS, 'of 1d to 100 years');

/**
 * `retention: { events: 400d, types: { db.query: 90d } }`. Without it, events are kept forever:
 * removing audit records is a decision an operator makes, never a default.
 */
export const readRetention: Read<RetentionConfig> = (value, path, context) => {
  const retention = Mapping.read(value, path, context, ['events', 'types', 'interval']);
  const types: Record<string, number> = {};
  if (retention.given('types')) {
    const byType = retention.section('types', (raw, typesPath) => {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        context.issues.add(
          typesPath,
          'expected a mapping of event type to age, e.g. db.query: 90d',
        );
        return {};
      }
      return raw as Record<string, unknown>;
    });
    for (const [type, raw] of Object.entries(byType)) {
      const typePath = retention.pathOf('types') + `.${type}`;
      nonEmptyString(type, typePath, context);
      types[type] = age(raw, typePath, context);
    }
  }
  return {
    events: retention.optional('events', age, null),
    types,
    intervalMs: retention.optional('interval', duration(60_000, DAY_MS, 'of 1m to 1d'), 3_600_000),
  };
};
