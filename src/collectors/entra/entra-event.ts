import type { Actor, EventDraft, OutcomeResult } from '../../audit/index.js';
import type { EntraLog } from '../../config/index.js';
import type { CollectedRecord } from '../log-source.js';

// A Graph audit-log entry as an AuditEvent of type idp.entra. A service principal's sign-in names
// it by its object id, which is the `sub` (and `oid`) of the tokens it gets, and by its app id,
// their `azp`/`appid`: the same identity the gateway records for the sessions it opens.

export const ENTRA_EVENT_TYPE = 'idp.entra';

/** Each log's time field. */
export const TIME_FIELD: Record<EntraLog, string> = {
  signIns: 'createdDateTime',
  servicePrincipalSignIns: 'createdDateTime',
  directoryAudits: 'activityDateTime',
};

type Entry = Record<string, unknown>;

export function entraRecord(
  value: unknown,
  log: EntraLog,
  collector: string,
): CollectedRecord | string {
  const entry = (typeof value === 'object' && value !== null ? value : {}) as Entry;
  const id = text(entry.id);
  if (id === null) return 'an entry without an id';
  const timeMs = Date.parse(String(entry[TIME_FIELD[log]]));
  if (Number.isNaN(timeMs)) return `entry ${id} has no readable ${TIME_FIELD[log]}`;
  const { result, error } = log === 'directoryAudits' ? auditOutcome(entry) : signInOutcome(entry);
  const draft: EventDraft & { idp: Record<string, unknown> } = {
    type: ENTRA_EVENT_TYPE,
    time: new Date(timeMs).toISOString(),
    actor: actorOf(entry, log, collector),
    source: text(entry.ipAddress)
      ? { ip: String(entry.ipAddress), client: text(entry.clientAppUsed) }
      : null,
    outcome: { result, error },
    idp: {
      provider: 'entra',
      collector,
      log,
      id,
      eventType:
        log === 'directoryAudits'
          ? text(entry.activityDisplayName)
          : log === 'servicePrincipalSignIns'
            ? 'servicePrincipalSignIn'
            : 'signIn',
      resource: text(entry.resourceDisplayName),
      correlationId: text(entry.correlationId),
    },
    raw: value,
  };
  return { key: id, timeMs, draft };
}

function actorOf(entry: Entry, log: EntraLog, collector: string): Actor | null {
  const actor = (
    subject: string | null,
    name: string | null,
    kind: Actor['kind'],
    clientId: string | null,
    alternateId: string | null,
  ): Actor | null =>
    subject === null
      ? null
      : {
          subject,
          name: name ?? alternateId ?? subject,
          provider: collector,
          groups: [],
          kind,
          clientId,
          alternateId,
        };
  if (log === 'servicePrincipalSignIns') {
    return actor(
      text(entry.servicePrincipalId),
      text(entry.servicePrincipalName) ?? text(entry.appDisplayName),
      'agent',
      text(entry.appId),
      text(entry.appId),
    );
  }
  if (log === 'signIns') {
    return actor(
      text(entry.userId),
      text(entry.userDisplayName),
      'person',
      text(entry.appId),
      text(entry.userPrincipalName),
    );
  }
  const initiatedBy = (entry.initiatedBy ?? {}) as { user?: Entry | null; app?: Entry | null };
  if (initiatedBy.user) {
    const user = initiatedBy.user;
    return actor(
      text(user.id),
      text(user.displayName),
      'person',
      null,
      text(user.userPrincipalName),
    );
  }
  if (initiatedBy.app) {
    const app = initiatedBy.app;
    return actor(
      text(app.servicePrincipalId) ?? text(app.appId),
      text(app.displayName) ?? text(app.servicePrincipalName),
      'agent',
      text(app.appId),
      text(app.appId),
    );
  }
  return null;
}

/** A sign-in succeeded when its status has error code 0. */
function signInOutcome(entry: Entry): {
  result: OutcomeResult;
  error: { code: string; message: string } | null;
} {
  const status = (entry.status ?? {}) as Entry;
  const code = typeof status.errorCode === 'number' ? status.errorCode : null;
  if (code === 0) return { result: 'success', error: null };
  if (code === null) return { result: 'unknown', error: null };
  return {
    result: 'failure',
    error: { code: `AADSTS${code}`, message: text(status.failureReason) ?? `error ${code}` },
  };
}

function auditOutcome(entry: Entry): {
  result: OutcomeResult;
  error: { code: string; message: string } | null;
} {
  const result = text(entry.result);
  if (result === 'success') return { result: 'success', error: null };
  if (result === 'failure' || result === 'timeout')
    return {
      result: 'failure',
      error: { code: result, message: text(entry.resultReason) ?? result },
    };
  return { result: 'unknown', error: null };
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
