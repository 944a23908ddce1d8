// The export module: streams the journal to sinks (webhook, Datadog, Splunk, syslog, EventBridge,
// file), each from a durable cursor, and the operator's view of them (state, dead letters,
// replays).
export { startExport, type ExportOptions, type ExportService } from './export-service.js';
export type { SinkHealth } from './sink-delivery.js';
export {
  createSinkAdmin,
  UnknownSinkError,
  type DeadLetter,
  type ReplayRange,
  type ReplayStatus,
  type SinkAdmin,
  type SinkStatus,
} from './sink-admin.js';
export type { DeliveryOutcome, Entry, ExportRecord, Sink } from './sink.js';
/** A sink's filter as a predicate; alert rules match types, connections, groups and outcomes alike. */
export { compileSinkFilter, compileTypeFilter } from './sink-filter.js';
