// What happens to one command before it is recorded and forwarded: the connection's guardrails
// (block, or hold for review) and the recording exclusions, in one decision per command. The
// statement is parsed at most once per decision, and only when a rule names statement kinds or
// tables; a connection with no rules decides without looking at the command at all.
import type { CommandReviewPolicy, ConnectionConfig, RecordingExclusion } from '../config/types.js';
import { exclusionApplies, recordingExcluded } from './command-match.js';
import { findGuardrail } from './guardrails.js';
import { classifySql, type CommandProfile } from './sql-classifier.js';

export type CommandVerdict =
  /** `recorded: false`: left out of the record by `recording.exclude` (still run and counted). */
  | { action: 'forward'; recorded: boolean }
  | { action: 'block'; rule: string; message: string }
  | { action: 'review'; rule: string; message: string; review: CommandReviewPolicy };

export interface CommandGate {
  /** False when nothing applies to this connection: every command is forwarded and recorded. */
  readonly active: boolean;
  check(command: string): CommandVerdict;
}

const forwardRecorded: CommandVerdict = { action: 'forward', recorded: true };
const forwardUnrecorded: CommandVerdict = { action: 'forward', recorded: false };

export function commandGateFor(
  connection: ConnectionConfig,
  exclusions: readonly RecordingExclusion[],
): CommandGate {
  const ownExclusions = exclusions.filter((exclusion) =>
    exclusionApplies(exclusion, connection.name),
  );
  const active = connection.guardrails.length > 0 || ownExclusions.length > 0;
  return {
    active,
    check(command) {
      if (!active) return forwardRecorded;
      let profile: CommandProfile | null = null;
      const profileOnce = () => (profile ??= classifySql(command));
      const verdict = findGuardrail(connection, command, profileOnce);
      if (verdict) {
        const { guardrail } = verdict;
        if (guardrail.action === 'review' && guardrail.review)
          return {
            action: 'review',
            rule: verdict.rule,
            message: verdict.message,
            review: guardrail.review,
          };
        return { action: 'block', rule: verdict.rule, message: verdict.message };
      }
      return recordingExcluded(ownExclusions, connection.name, command, profileOnce)
        ? forwardUnrecorded
        : forwardRecorded;
    },
  };
}
