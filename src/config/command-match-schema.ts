import {
  listOf,
  nonEmptyListOf,
  nonEmptyString,
  oneOf,
  type Mapping,
  type Read,
  type ReadContext,
} from './reader.js';
import { regularExpression } from './regular-expression.js';
import { STATEMENT_KINDS, type CommandMatch } from './policy-types.js';

/**
 * The keys of a command match. They sit in a mapping of their own (a guardrail's `match`) or
 * beside other keys (an exclusion's `connections`, an alert's `types`): the reader of that
 * mapping lists these among its keys and hands the mapping to `readCommandMatch`.
 */
export const COMMAND_MATCH_KEYS = ['statements', 'tables', 'patterns'] as const;

const statementKind = oneOf(STATEMENT_KINDS);

/** Case-insensitive, as SQL keywords and unquoted names are. */
const commandPattern = regularExpression('i');

/**
 * `required`: a guardrail or a recording exclusion. At least one condition must be given, and a
 * list given must not be empty: a match without conditions would block (or leave out of the
 * record) every command.
 */
export function readCommandMatch(
  mapping: Mapping,
  path: string,
  context: ReadContext,
  presence: 'required',
): CommandMatch;
/**
 * `optional`: an alert rule, where empty lists do not restrict; null when no list has an entry
 * (the rule does not look at commands).
 */
export function readCommandMatch(
  mapping: Mapping,
  path: string,
  context: ReadContext,
  presence: 'optional',
): CommandMatch | null;
export function readCommandMatch(
  mapping: Mapping,
  path: string,
  context: ReadContext,
  presence: 'required' | 'optional',
): CommandMatch | null {
  const conditionList = <T>(readItem: Read<T>, expected: string): Read<T[]> =>
    presence === 'required' ? nonEmptyListOf(readItem, expected) : listOf(readItem);
  const match: CommandMatch = {
    statements: mapping.optional(
      'statements',
      conditionList(statementKind, 'a non-empty list of statement kinds'),
      [],
    ),
    tables: mapping.optional(
      'tables',
      conditionList(nonEmptyString, 'a non-empty list of tables'),
      [],
    ),
    patterns: mapping.optional(
      'patterns',
      conditionList(commandPattern, 'a non-empty list of regular expressions'),
      [],
    ),
  };
  const hasCondition = COMMAND_MATCH_KEYS.some((key) => match[key].length > 0);
  if (presence === 'optional') return hasCondition ? match : null;
  if (!COMMAND_MATCH_KEYS.some((key) => mapping.given(key))) {
    context.issues.add(path, `expected at least one of ${COMMAND_MATCH_KEYS.join(', ')}`);
  }
  return match;
}
