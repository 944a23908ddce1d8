// A connection's guardrails: the first rule, in configured order, that matches a command.
import type { ConnectionConfig, GuardrailRule, StatementKind } from '../config/index.js';
import { commandMatches, matchesPattern, matchingTables } from './command-match.js';
import type { CommandProfile } from './sql-classifier.js';

export interface GuardrailVerdict {
  /** The rule as the record names it: `<connection>.guardrails.<name>`. */
  rule: string;
  guardrail: GuardrailRule;
  /** For the client: the rule's own message, else one that names the rule and what matched. */
  message: string;
}

export function findGuardrail(
  connection: ConnectionConfig,
  command: string,
  profile: () => CommandProfile,
): GuardrailVerdict | null {
  const guardrail = connection.guardrails.find((rule) =>
    commandMatches(rule.match, command, profile),
  );
  if (!guardrail) return null;
  return {
    rule: `${connection.name}.guardrails.${guardrail.name}`,
    guardrail,
    message: guardrail.message ?? defaultMessage(connection.name, guardrail, command, profile),
  };
}

/** How a statement kind reads in a message to the client. */
const KIND_LABELS: Record<StatementKind, string> = {
  select: 'SELECT',
  insert: 'INSERT',
  update: 'UPDATE',
  delete: 'DELETE',
  merge: 'MERGE',
  copy: 'COPY',
  truncate: 'TRUNCATE',
  create: 'CREATE',
  alter: 'ALTER',
  drop: 'DROP',
  ddl: 'DDL',
  grant: 'GRANT',
  revoke: 'REVOKE',
  role: 'a role change',
  transaction: 'a transaction statement',
  set: 'SET',
  call: 'CALL',
  do: 'DO',
  'delete-without-where': 'DELETE without WHERE',
  'update-without-where': 'UPDATE without WHERE',
  unparsed: 'a command the parser could not read',
  other: 'a statement of another kind',
};

/**
 * `Warden: blocked by guardrail "no-unbounded-delete" on pg-prod: DELETE without WHERE`. It
 * names what matched (kinds, tables, patterns), never the command itself, which may hold
 * values that are masked in the record. A review rule's message does not say "blocked": what
 * happens to the held statement is for the caller to say.
 */
function defaultMessage(
  connection: string,
  guardrail: GuardrailRule,
  command: string,
  profile: () => CommandProfile,
): string {
  const { statements, tables, patterns } = guardrail.match;
  const matched: string[] = [];
  if (statements.length > 0) {
    const kinds = profile().kinds;
    matched.push(
      statements
        .filter((kind) => kinds.has(kind))
        .map((kind) => KIND_LABELS[kind])
        .join(', '),
    );
  }
  if (tables.length > 0) {
    const names = new Set(tables.flatMap((table) => matchingTables(profile(), table)));
    matched.push(`${names.size === 1 ? 'table' : 'tables'} ${[...names].join(', ')}`);
  }
  const pattern = patterns.find((candidate) => matchesPattern(candidate, command));
  if (pattern) matched.push(`pattern /${pattern.source}/`);
  const rule = `guardrail "${guardrail.name}" on ${connection}`;
  const lead = guardrail.action === 'block' ? `blocked by ${rule}` : rule;
  return `Warden: ${lead}: ${matched.join('; ')}`;
}
