import type { AuditEvent } from '../audit/index.js';
import type { SinkFormat } from '../config/index.js';
import { toOcsf } from './ocsf.js';
import type { ExportRecord } from './sink.js';

/** The event as the sink's `format` wants it. */
export function exportRecord(event: AuditEvent, format: SinkFormat): ExportRecord {
  return {
    event,
    payload: format === 'ocsf' ? toOcsf(event) : (event as unknown as Record<string, unknown>),
  };
}
