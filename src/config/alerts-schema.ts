import { OUTCOME_RESULTS } from '../audit/event.js';
import { COMMAND_MATCH_KEYS, readCommandMatch } from './command-match-schema.js';
import { configuredName } from './configured-name.js';
import { duration } from './duration.js';
import { eventTypePattern } from './event-type-pattern.js';
import {
  integer,
  listOf,
  Mapping,
  namedListOf,
  nonEmptyString,
  oneOf,
  type Read,
} from './reader.js';
import { entryName } from './entry-name.js';
import {
  ALERT_SEVERITIES,
  type AlertMatch,
  type AlertRule,
  type AlertThreshold,
} from './policy-types.js';

/** What alert rules may refer to by name elsewhere in the file. */
export interface AlertReferences {
  connections: readonly string[];
  notifications: readonly string[];
}

/** `alerts`: rules over the event stream; names are unique. */
export function alertsReader(references: AlertReferences): Read<AlertRule[]> {
  return namedListOf(alertReader(references), 'alert');
}

function alertReader(references: AlertReferences): Read<AlertRule> {
  const readMatch = matchReader(references.connections);
  const notify = listOf(configuredName(references.notifications, 'notification channel'));
  return (value, path, context) => {
    const alert = Mapping.read(value, path, context, [
      'name',
      'severity',
      'description',
      'match',
      'threshold',
      'notify',
    ]);
    return {
      name: alert.required('name', entryName),
      severity: alert.optional('severity', oneOf(ALERT_SEVERITIES), 'medium'),
      description: alert.optional('description', nonEmptyString, null),
      match: alert.required('match', readMatch),
      threshold: alert.optional('threshold', readThreshold, null),
      notify: alert.optional('notify', notify, []),
    };
  };
}

const MATCH_KEYS = [
  'types',
  'connections',
  'tags',
  'groups',
  'kinds',
  ...COMMAND_MATCH_KEYS,
  'outcomes',
] as const;

/** Every condition given must hold; at least one must have an entry, or every event would match. */
function matchReader(connectionNames: readonly string[]): Read<AlertMatch> {
  const connection = configuredName(connectionNames, 'connection');
  return (value, path, context) => {
    const match = Mapping.read(value, path, context, MATCH_KEYS);
    const alertMatch: AlertMatch = {
      types: match.optional('types', listOf(eventTypePattern), []),
      connections: match.optional('connections', listOf(connection), []),
      tags: match.optional('tags', listOf(nonEmptyString), []),
      groups: match.optional('groups', listOf(nonEmptyString), []),
      kinds: match.optional('kinds', listOf(oneOf(['agent', 'person'])), []),
      command: readCommandMatch(match, path, context, 'optional'),
      outcomes: match.optional('outcomes', listOf(oneOf(OUTCOME_RESULTS)), []),
    };
    const { command, ...lists } = alertMatch;
    if (command === null && Object.values(lists).every((list) => list.length === 0)) {
      context.issues.add(
        path,
        `expected at least one condition with an entry (${MATCH_KEYS.join(', ')})`,
      );
    }
    return alertMatch;
  };
}

const readThreshold: Read<AlertThreshold> = (value, path, context) => {
  const threshold = Mapping.read(value, path, context, ['count', 'window', 'by']);
  return {
    count: threshold.required('count', integer(2, 100_000)),
    windowMs: threshold.required('window', duration(1000, 7 * 86_400_000, 'of 1s to 7d')),
    by: threshold.optional(
      'by',
      oneOf(['actor', 'connection', 'session', 'source', 'all']),
      'actor',
    ),
  };
};
