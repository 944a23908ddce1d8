// Policy: which verified identities may use which connection, and what acts on their commands.
export {
  authorize,
  holdsGroup,
  reachableConnections,
  type Decision,
  type Grant,
} from './authorize.js';
export { classifySql, loadSqlClassifier, type CommandProfile } from './sql-classifier.js';
export { commandMatches, mayHoldStatements, recordingExcluded } from './command-match.js';
export { findGuardrail, type GuardrailVerdict } from './guardrails.js';
export { commandGateFor, type CommandGate, type CommandVerdict } from './command-gate.js';
export { Masker, maskerFor } from './masking/index.js';
