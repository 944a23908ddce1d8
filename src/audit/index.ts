// The audit module: the journal every part of Warden appends to, its verification, and the
// readers the API and the CLI use. Sessions are views over events, never stored separately.

export * from './event.js';
export { GENESIS_HASH, hashEvent } from './chain.js';
export { AuditQueryError, JournalWriteError } from './errors.js';
export {
  openJournal,
  type AppendOptions,
  type GroupCommit,
  type Journal,
  type JournalOptions,
  type JournalStatus,
} from './journal.js';
export { lastSeq, seqAtTime } from './seq-at-time.js';
export { timeFilter } from './query-input.js';
export { createAuditReader, type AuditReader, type AuditReaderOptions } from './reader.js';
export { eventCursor, type EventFilter, type EventPage } from './events-query.js';
export type { SessionDetail, SessionEventsFilter, SessionFilter, SessionPage } from './sessions.js';
export type { SessionSummary } from './session-summary.js';
export type { Identity, IdentityFilter, IdentityPage } from './identities.js';
export type { Timeline, TimelineFilter } from './timeline.js';
export type { StatementRecord } from './statements.js';
export {
  verifyJournal,
  type TamperKind,
  type VerifiedRetention,
  type VerifyOptions,
  type VerifyResult,
} from './verify.js';
export type { KeptAnchor } from './verify-retention.js';
export {
  planRetentionPass,
  runRetentionPass,
  type RetentionPassOptions,
  type RetentionReport,
  type RuleReport,
} from './retention-pass.js';
export {
  startRetentionSchedule,
  type RetentionSchedule,
  type RetentionScheduleOptions,
} from './retention-schedule.js';
export { RETENTION_EVENT_TYPE, type RetentionRecord } from './retention-record.js';
export { eventsOfTypeFrom, journalEvents, latestEventOfType } from './typed-events.js';
