// Whether an event is one an alert rule counts. Types, connections, groups and outcomes are
// matched as a sink's filter matches them (one predicate for both); tags, kinds and the command
// are the rule's own conditions.
import { EventTypes, RETENTION_EVENT_TYPE, type AuditEvent } from '../audit/index.js';
import { CHECKPOINT_EVENT_TYPE } from '../collectors/index.js';
import type { AlertMatch, ConnectionConfig } from '../config/index.js';
import { compileSinkFilter, compileTypeFilter } from '../export/index.js';
import { commandMatches, mayHoldStatements, type CommandProfile } from '../policy/index.js';

/**
 * Never counted: the rules' own alerts (an alert about alerts would feed itself) and the journal's
 * bookkeeping.
 */
const UNCOUNTED_TYPES: ReadonlySet<string> = new Set([
  EventTypes.alertRaised,
  CHECKPOINT_EVENT_TYPE,
  RETENTION_EVENT_TYPE,
]);

/** `profile` classifies the event's command, once, when a condition asks for it. */
export type EventMatcher = (event: AuditEvent, profile: () => CommandProfile) => boolean;

export interface AlertMatcher {
  /**
   * Whether the rule may count an event, by its type and its stored JSON alone: false for a type
   * it does not count, or when its statement kinds' words are nowhere in the JSON. The engine
   * does not parse an event no rule may count.
   */
  mayCount(type: string, body: string): boolean;
  matches: EventMatcher;
}

export function compileAlertMatch(
  match: AlertMatch,
  connections: readonly ConnectionConfig[],
): AlertMatcher {
  const countsType = compileAlertTypes(match);
  // Types are matched by countsType; the sink filter checks the rest.
  const filtered = compileSinkFilter({ ...match, types: [] });
  const tags = new Set(match.tags);
  const tagged = new Set(
    connections
      .filter((connection) => connection.tags.some((tag) => tags.has(tag)))
      .map((connection) => connection.name),
  );
  const kinds = new Set<string>(match.kinds);
  const { command } = match;
  const matches: EventMatcher = (event, profile) => {
    if (!countsType(event.type)) return false;
    if (!filtered(event)) return false;
    if (tags.size > 0 && (event.connection === null || !tagged.has(event.connection.name)))
      return false;
    if (kinds.size > 0 && (event.actor === null || !kinds.has(event.actor.kind))) return false;
    if (command === null) return true;
    // An event without a command cannot meet a condition on one.
    const text = event.request?.command;
    return typeof text === 'string' && commandMatches(command, text, profile);
  };
  const mayCount = (type: string, body: string) =>
    countsType(type) && (command === null || mayHoldStatements(command, body));
  return { mayCount, matches };
}

function compileAlertTypes(match: AlertMatch): (type: string) => boolean {
  const listed = compileTypeFilter(match.types);
  // `db.query.start` is the write-ahead twin of `db.query`: counted only when named, so that a
  // statement is not counted twice by a rule on `db.*` or on every type.
  const countsStarts = match.types.includes(EventTypes.dbQueryStart);
  return (type) =>
    !UNCOUNTED_TYPES.has(type) &&
    (type !== EventTypes.dbQueryStart || countsStarts) &&
    listed(type);
}
