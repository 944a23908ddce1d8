import type { ActorKind, EventDraft, OutcomeResult } from '../../audit/index.js';
import type { CollectedRecord } from '../log-source.js';

// An Okta System Log event as an AuditEvent of type idp.okta: who (the actor), what (the event
// type and Okta's message), the outcome, dated by `published`, with the event itself in `raw`,
// tagged `_okta_event_type: "systemLog"` as log collectors tag it.

export const OKTA_EVENT_TYPE = 'idp.okta';

interface OktaActor {
  id?: unknown;
  type?: unknown;
  alternateId?: unknown;
  displayName?: unknown;
}

/** What the mapping reads of a LogEvent; the rest travels in `raw` untouched. */
interface OktaLogEvent {
  uuid?: unknown;
  published?: unknown;
  eventType?: unknown;
  displayMessage?: unknown;
  severity?: unknown;
  actor?: OktaActor | null;
  client?: { ipAddress?: unknown; userAgent?: { rawUserAgent?: unknown } | null } | null;
  outcome?: { result?: unknown; reason?: unknown } | null;
  transaction?: { id?: unknown } | null;
}

/** Actor types that are applications rather than people (a client-credentials agent is one). */
const APPLICATION_ACTORS = new Set(['PublicClientApp', 'AppInstance', 'Client', 'SystemPrincipal']);

const RESULTS: Record<string, OutcomeResult> = {
  SUCCESS: 'success',
  ALLOW: 'success',
  FAILURE: 'failure',
  DENY: 'denied',
};

/**
 * The record of one LogEvent, or the reason it cannot be one (no uuid or published). The event
 * becomes the record's `raw`, tagged in place.
 */
export function oktaRecord(value: unknown, collector: string): CollectedRecord | string {
  const event = (typeof value === 'object' && value !== null ? value : {}) as OktaLogEvent;
  const timeMs = typeof event.published === 'string' ? Date.parse(event.published) : Number.NaN;
  if (typeof event.uuid !== 'string' || event.uuid === '') return 'an event without a uuid';
  if (Number.isNaN(timeMs)) return `event ${event.uuid} has no readable published time`;
  const actor = event.actor ?? {};
  const actorId = text(actor.id);
  const kind: ActorKind = APPLICATION_ACTORS.has(text(actor.type) ?? '') ? 'agent' : 'person';
  const providerResult = text(event.outcome?.result) ?? 'UNKNOWN';
  const result = RESULTS[providerResult] ?? 'unknown';
  const reason = text(event.outcome?.reason);
  const draft: EventDraft & { idp: Record<string, unknown> } = {
    type: OKTA_EVENT_TYPE,
    time: new Date(timeMs).toISOString(),
    actor: actorId
      ? {
          subject: actorId,
          name: text(actor.displayName) ?? text(actor.alternateId) ?? actorId,
          provider: collector,
          groups: [],
          kind,
          clientId: kind === 'agent' ? actorId : null,
          alternateId: text(actor.alternateId),
        }
      : null,
    source: event.client?.ipAddress
      ? { ip: String(event.client.ipAddress), client: text(event.client.userAgent?.rawUserAgent) }
      : null,
    outcome: {
      result,
      error:
        result === 'success' ? null : { code: providerResult, message: reason ?? providerResult },
      providerResult,
    },
    idp: {
      provider: 'okta',
      collector,
      id: event.uuid,
      eventType: text(event.eventType),
      displayMessage: text(event.displayMessage),
      severity: text(event.severity),
      transactionId: text(event.transaction?.id),
    },
    // The event is the page's own, parsed for this: tagged where it is rather than copied.
    raw: Object.assign(event, { _okta_event_type: 'systemLog' }),
  };
  return { key: event.uuid, timeMs, draft };
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
