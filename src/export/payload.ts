import type { AuditEvent } from '../audit/index.js';
import type { SinkFormat } from '../config/index.js';
import { toOcsf } from './ocsf.js';
import type { ExportRecord } from './sink.js';

/**
 * The event as the sink's `format` wants it. `body` is the journal's JSON text of the event: the
 * native payload's text as it is, not stringified again.
 */
export function exportRecord(event: AuditEvent, body: string, format: SinkFormat): ExportRecord {
  if (format === 'native') {
    return { event, payload: event as unknown as Record<string, unknown>, payloadText: body };
  }
  const payload = toOcsf(event);
  return { event, payload, payloadText: JSON.stringify(payload) };
}
