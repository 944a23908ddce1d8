// Whether a command matches a rule's conditions (guardrails, recording exclusions, alert rules).
import type { CommandMatch, RecordingExclusion } from '../config/index.js';
import type { CommandProfile } from './sql-classifier.js';
import { wordsOfKinds } from './sql-statement-kinds.js';

/** Per match, the words its statement kinds need (wordsOfKinds), worked out once. */
const statementWords = new WeakMap<CommandMatch, RegExp | null>();

/**
 * Every condition given (a non-empty list) must hold; a list holds when any of its entries does.
 * A match with no condition at all matches nothing, so a rule left empty by mistake can never
 * block or hide every command. `profile` is called only when statements or tables are given and
 * the patterns (checked first) hold: a patterns-only rule never parses the command, nor does a
 * rule on statement kinds whose words the command does not hold (sql-statement-kinds.ts).
 */
export function commandMatches(
  match: CommandMatch,
  command: string,
  profile: () => CommandProfile,
): boolean {
  const { statements, tables, patterns } = match;
  if (statements.length === 0 && tables.length === 0 && patterns.length === 0) return false;
  if (patterns.length > 0 && !patterns.some((pattern) => matchesPattern(pattern, command)))
    return false;
  if (statements.length === 0 && tables.length === 0) return true;
  if (!mayHoldStatements(match, command)) return false;
  const touched = profile();
  if (statements.length > 0 && !statements.some((kind) => touched.kinds.has(kind))) return false;
  return tables.length === 0 || tables.some((table) => matchingTables(touched, table).length > 0);
}

/**
 * False when `text` lacks every word of the match's statement kinds (sql-statement-kinds.ts), so
 * that no command within it can match; true otherwise, and for a match without statement kinds.
 * The words are found anywhere, not as whole words: `text` may be more than the command, such as
 * an event's JSON holding it (where an escaped tab before a word reads `\tdelete`).
 */
export function mayHoldStatements(match: CommandMatch, text: string): boolean {
  if (match.statements.length === 0) return true;
  let words = statementWords.get(match);
  if (words === undefined) {
    words = wordsOfKinds(match.statements);
    statementWords.set(match, words);
  }
  return words === null || matchesPattern(words, text);
}

/** Whether a recording exclusion applies to the connection (no `connections`: to all). */
export function exclusionApplies(exclusion: RecordingExclusion, connection: string): boolean {
  return exclusion.connections.length === 0 || exclusion.connections.includes(connection);
}

/** Whether a recording exclusion that applies to `connection` matches the command. */
export function recordingExcluded(
  exclusions: readonly RecordingExclusion[],
  connection: string,
  command: string,
  profile: () => CommandProfile,
): boolean {
  return exclusions.some(
    (exclusion) =>
      exclusionApplies(exclusion, connection) && commandMatches(exclusion, command, profile),
  );
}

/**
 * `search` rather than `test`: it ignores `lastIndex`, so a pattern compiled with the `g` flag
 * gives the same answer on every call.
 */
export function matchesPattern(pattern: RegExp, command: string): boolean {
  return command.search(pattern) !== -1;
}

/** The command's tables that a rule's table name matches (case-insensitive). */
export function matchingTables(profile: CommandProfile, ruleTable: string): string[] {
  const rule = ruleTable.toLowerCase();
  const dot = rule.indexOf('.');
  return profile.tables.filter((table) => {
    const name = table.toLowerCase();
    if (name === rule) return true;
    // `orders` matches `orders` in any schema.
    if (dot === -1) return name.endsWith(`.${rule}`);
    // `public.orders` also matches an unqualified `orders`: the session's search_path, which
    // the gateway does not follow, may well resolve it to public.orders.
    return name === rule.slice(dot + 1);
  });
}
