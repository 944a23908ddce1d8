import { describe, expect, it } from 'vitest';
import { issuesOf, parse } from './helpers.js';

const DAY_MS = 86_400_000;

describe('config retention', () => {
  it('reads an age for every event, ages by type and the interval', () => {
    expect(
      parse(`retention:
  events: 400d
  types: { db.query: 90d, session.start: 800d }
  interval: 30m`).retention,
    ).toEqual({
      events: 400 * DAY_MS,
      types: { 'db.query': 90 * DAY_MS, 'session.start': 800 * DAY_MS },
      intervalMs: 30 * 60_000,
    });
  });

  it('keeps events forever unless told otherwise, and runs hourly', () => {
    expect(parse('retention:').retention).toEqual({
      events: null,
      types: {},
      intervalMs: 3_600_000,
    });
    expect(parse('retention: { types: { db.query: 30d } }').retention).toEqual({
      events: null,
      types: { 'db.query': 30 * DAY_MS },
      intervalMs: 3_600_000,
    });
  });

  it('names the path of an age that is not a duration', () => {
    expect(issuesOf('retention: { events: 3x }')).toEqual([
      'retention.events: expected a duration of 1d to 100 years (e.g. 30s, 5m, 12h, 400d), got "3x"',
    ]);
    expect(issuesOf('retention: { types: { db.query: 90 } }')).toEqual([
      'retention.types.db.query: expected a duration of 1d to 100 years (e.g. 30s, 5m, 12h, 400d), got 90',
    ]);
  });

  it('refuses ages under a day, and intervals out of bounds', () => {
    expect(issuesOf('retention: { events: 12h, interval: 10s }')).toEqual([
      'retention.events: expected a duration of 1d to 100 years (e.g. 30s, 5m, 12h, 400d), got "12h"',
      'retention.interval: expected a duration of 1m to 1d (e.g. 30s, 5m, 12h, 400d), got "10s"',
    ]);
  });

  it('refuses types that are not a mapping of event types', () => {
    expect(issuesOf('retention: { types: [db.query] }')).toEqual([
      'retention.types: expected a mapping of event type to age, e.g. db.query: 90d, got a list',
    ]);
    expect(issuesOf('retention: { types: { "DB Query": 90d } }')).toEqual([
      'retention.types.DB Query: expected an event type such as db.query or session.start',
    ]);
  });

  it('refuses unknown keys', () => {
    expect(issuesOf('retention: { event: 400d }')).toEqual([
      'retention.event: unknown key; expected one of events, types, interval',
    ]);
  });
});
