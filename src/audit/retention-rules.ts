import type { RetentionConfig } from '../config/index.js';
import { RETENTION_EVENT_TYPE } from './retention-record.js';

// The retention config as rules a pass applies at a given moment: each age becomes a cutoff
// time, and each event type falls under exactly one rule (its own age, or `events`).

export interface AgeRule {
  /** The config path of the age: `retention.events`, `retention.types.db.query`. */
  name: string;
  /** As configured: `400d`. */
  age: string;
  /** Events whose time is before this (ISO 8601) are removed. */
  olderThan: string;
  /** The event types it covers: one, or every type but those with an age of their own. */
  types: { only: string } | { except: string[] };
  /**
   * The rule without its cutoff, which moves with time: how far a rule got is kept with this,
   * and a rule whose terms changed (another age, other types) starts over.
   */
  terms: string;
}

export interface RetentionRules {
  /** Rules over every type but the retention records. */
  rules: AgeRule[];
  /** The age of the retention records, which go only once everything before them has gone. */
  records: AgeRule | null;
  /** For people: `older than 400d; db.query older than 90d`. */
  reason: string;
}

export function retentionRules(config: RetentionConfig, now: Date): RetentionRules {
  const rule = (name: string, ageMs: number, types: AgeRule['types']): AgeRule => ({
    name,
    age: formatAge(ageMs),
    olderThan: new Date(now.getTime() - ageMs).toISOString(),
    types,
    terms: JSON.stringify({ ageMs, types }),
  });
  const ownAges = Object.entries(config.types).filter(([type]) => type !== RETENTION_EVENT_TYPE);
  const rules = ownAges.map(([type, ageMs]) =>
    rule(`retention.types.${type}`, ageMs, { only: type }),
  );
  if (config.events !== null) {
    // Sorted: the same config in another order is the same rule (see terms).
    const except = [...ownAges.map(([type]) => type), RETENTION_EVENT_TYPE].sort();
    rules.unshift(rule('retention.events', config.events, { except }));
  }
  const recordsAge = config.types[RETENTION_EVENT_TYPE];
  const records =
    recordsAge !== undefined
      ? rule(`retention.types.${RETENTION_EVENT_TYPE}`, recordsAge, { only: RETENTION_EVENT_TYPE })
      : config.events !== null
        ? rule('retention.events', config.events, { only: RETENTION_EVENT_TYPE })
        : null;
  const reason = [
    ...(config.events !== null ? [`older than ${formatAge(config.events)}`] : []),
    ...Object.entries(config.types).map(
      ([type, ageMs]) => `${type} older than ${formatAge(ageMs)}`,
    ),
  ].join('; ');
  return { rules, records, reason };
}

const UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
] as const;

/** An age in the largest unit it is a whole number of, as written in the config: `400d`. */
export function formatAge(ms: number): string {
  const [unit, size] = UNITS.find(([, size]) => ms % size === 0) ?? ['ms', 1];
  return `${ms / size}${unit}`;
}
