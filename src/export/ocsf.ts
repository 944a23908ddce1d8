// Maps an AuditEvent to an OCSF 1.3 event, for sinks whose `format` is `ocsf`.
import type { AuditEvent } from '../audit/index.js';
import { describeEvent, eventSeverity } from './event-message.js';

const OCSF_VERSION = '1.3.0';

interface OcsfClass {
  category_uid: number;
  class_uid: number;
  activity_id: number;
}

const AUTHENTICATION = { category_uid: 3, class_uid: 3002 };
const API_ACTIVITY = { category_uid: 6, class_uid: 6003 };
const DATASTORE_ACTIVITY = { category_uid: 6, class_uid: 6005 };

function classOf(type: string): OcsfClass {
  switch (type) {
    case 'session.start':
    case 'authn.failure':
    case 'authz.denied':
      return { ...AUTHENTICATION, activity_id: 1 };
    case 'session.end':
      return { ...AUTHENTICATION, activity_id: 2 };
    case 'db.query':
    case 'db.query.start':
    case 'db.cancel':
      return { ...DATASTORE_ACTIVITY, activity_id: 4 };
    default:
      return { ...API_ACTIVITY, activity_id: 99 };
  }
}

export function toOcsf(event: AuditEvent): Record<string, unknown> {
  const ocsfClass = classOf(event.type);
  const severity = eventSeverity(event);
  const result = event.outcome?.result;
  return {
    ...ocsfClass,
    type_uid: ocsfClass.class_uid * 100 + ocsfClass.activity_id,
    time: Date.parse(event.time),
    severity_id: severity === 'error' ? 4 : severity === 'warn' ? 3 : 1,
    status_id: result === undefined ? 0 : result === 'success' ? 1 : 2,
    message: describeEvent(event),
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'Warden', vendor_name: 'Warden' },
      uid: event.id,
      correlation_uid: event.sessionId ?? undefined,
      sequence: event.seq,
    },
    unmapped: { type: event.type },
  };
}
