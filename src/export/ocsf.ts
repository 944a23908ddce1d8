// Maps an AuditEvent to an OCSF 1.3.0 event, for sinks whose `format` is `ocsf`. Field names were
// checked against the OCSF 1.3.0 schema (classes authentication, api_activity, datastore_activity;
// objects actor, user, idp, authorization, policy, network_endpoint, database, query_info, api).
// Whatever has no OCSF attribute goes to `unmapped`, under its AuditEvent name, so nothing the
// journal holds is lost on the way.
import type { AuditEvent } from '../audit/index.js';
import { describeEvent, eventSeverity } from './event-message.js';

const OCSF_VERSION = '1.3.0';

const CATEGORY_NAMES: Record<number, string> = {
  3: 'Identity & Access Management',
  6: 'Application Activity',
};

const CLASSES = {
  authentication: { class_uid: 3002, class_name: 'Authentication', category_uid: 3 },
  apiActivity: { class_uid: 6003, class_name: 'API Activity', category_uid: 6 },
  datastoreActivity: { class_uid: 6005, class_name: 'Datastore Activity', category_uid: 6 },
} as const;

type OcsfClass = (typeof CLASSES)[keyof typeof CLASSES];

interface Activity {
  ocsfClass: OcsfClass;
  activity_id: number;
  activity_name: string;
}

/** OCSF `activity_id` 99: the activity is not in the class's list; `activity_name` says what it is. */
const OTHER = 99;

function activityOf(event: AuditEvent): Activity {
  switch (event.type) {
    // authz.denied: the token was valid but no group grants the connection, so the logon to the
    // connection failed. Authorize Session (3003) is about privileges granted, not refusals.
    case 'session.start':
    case 'authn.failure':
    case 'authz.denied':
      return { ocsfClass: CLASSES.authentication, activity_id: 1, activity_name: 'Logon' };
    case 'session.end':
      return { ocsfClass: CLASSES.authentication, activity_id: 2, activity_name: 'Logoff' };
    // The start record and the completed statement are both the Query; status tells them apart
    // (Unknown while it runs, then Success or Failure).
    case 'db.query.start':
    case 'db.query':
      return { ocsfClass: CLASSES.datastoreActivity, activity_id: 4, activity_name: 'Query' };
    case 'db.cancel':
      return { ocsfClass: CLASSES.datastoreActivity, activity_id: OTHER, activity_name: 'Cancel' };
    case 'http.request':
      return httpActivity(event);
    // Everything else (ssh.*, guardrail.*, review.*, alert.*, idp.*, types added later) is API
    // Activity with activity Other named by the event type: each is an action an identity took
    // through Warden, and the class's required actor, api and src_endpoint can always be filled,
    // where the Base Event (0) would be indexed poorly by most SIEMs.
    default:
      return { ocsfClass: CLASSES.apiActivity, activity_id: OTHER, activity_name: event.type };
  }
}

const HTTP_ACTIVITIES: Record<string, { activity_id: number; activity_name: string }> = {
  POST: { activity_id: 1, activity_name: 'Create' },
  GET: { activity_id: 2, activity_name: 'Read' },
  HEAD: { activity_id: 2, activity_name: 'Read' },
  PUT: { activity_id: 3, activity_name: 'Update' },
  PATCH: { activity_id: 3, activity_name: 'Update' },
  DELETE: { activity_id: 4, activity_name: 'Delete' },
};

function httpActivity(event: AuditEvent): Activity {
  const method = httpMethod(event);
  const known = method === null ? undefined : HTTP_ACTIVITIES[method];
  return {
    ocsfClass: CLASSES.apiActivity,
    ...(known ?? { activity_id: OTHER, activity_name: method ?? event.type }),
  };
}

/** `request.method`, or the first word of `request.command` ("GET /api/v1/pods"). */
function httpMethod(event: AuditEvent): string | null {
  const method = event.request?.method;
  if (typeof method === 'string') return method.toUpperCase();
  return /^[A-Za-z]+(?=\s)/.exec(event.request?.command ?? '')?.[0]?.toUpperCase() ?? null;
}

// OCSF severity measures the effort an event asks of its reader. Nothing Warden records on its
// own is High: a refusal or an authentication failure is Low, a failed command or session Medium.
const SEVERITIES = {
  info: { severity_id: 1, severity: 'Informational' },
  warn: { severity_id: 2, severity: 'Low' },
  error: { severity_id: 3, severity: 'Medium' },
} as const;

function statusOf(event: AuditEvent): { status_id: number; status: string } {
  const result = event.outcome?.result;
  if (result === undefined) return { status_id: 0, status: 'Unknown' };
  return result === 'success'
    ? { status_id: 1, status: 'Success' }
    : { status_id: 2, status: 'Failure' };
}

export function toOcsf(event: AuditEvent): Record<string, unknown> {
  const { ocsfClass, activity_id, activity_name } = activityOf(event);
  const error = event.outcome?.error ?? null;
  const durationMs = event.outcome?.durationMs;
  const base = {
    category_uid: ocsfClass.category_uid,
    category_name: CATEGORY_NAMES[ocsfClass.category_uid],
    class_uid: ocsfClass.class_uid,
    class_name: ocsfClass.class_name,
    activity_id,
    activity_name,
    type_uid: ocsfClass.class_uid * 100 + activity_id,
    type_name: `${ocsfClass.class_name}: ${activity_name}`,
    time: Date.parse(event.time),
    ...SEVERITIES[eventSeverity(event)],
    ...statusOf(event),
    status_code: error?.code,
    status_detail: error?.message,
    // OCSF durations are whole milliseconds.
    duration: typeof durationMs === 'number' ? Math.round(durationMs) : undefined,
    message: describeEvent(event),
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'Warden', vendor_name: 'Warden' },
      uid: event.id,
      correlation_uid: event.sessionId,
      sequence: event.seq,
    },
    actor: actorOf(event, ocsfClass),
    src_endpoint: event.source ? { ip: event.source.ip, port: event.source.port } : undefined,
  };
  const ocsf = compact({ ...base, ...classFields(event, ocsfClass) });
  // The provider's original event goes as it came, nulls and all: it is not compacted.
  const unmapped = compact(unmappedOf(event, ocsfClass));
  if (event.raw !== null && event.raw !== undefined) unmapped.raw = event.raw;
  return { ...ocsf, unmapped };
}

function userOf(event: AuditEvent): Record<string, unknown> | undefined {
  const actor = event.actor;
  if (!actor) return undefined;
  return {
    name: actor.name,
    uid: actor.subject,
    groups: actor.groups.map((name) => ({ name })),
    ...(actor.kind === 'person' ? { type_id: 1, type: 'User' } : { type_id: OTHER, type: 'Agent' }),
  };
}

function actorOf(event: AuditEvent, ocsfClass: OcsfClass): Record<string, unknown> | undefined {
  const actor = event.actor;
  if (!actor) return undefined;
  const authorization = event.authorization;
  const denied = event.outcome?.result === 'denied';
  return {
    user: userOf(event),
    idp: { name: actor.provider },
    app_uid: actor.clientId,
    app_name: event.source?.client,
    authorizations:
      authorization || denied
        ? [
            {
              decision: denied ? 'denied' : 'allowed',
              policy: authorization
                ? { name: authorization.rule, group: { name: authorization.group } }
                : undefined,
            },
          ]
        : undefined,
    // Authentication carries the session at the top level (the session the logon opened).
    session:
      event.sessionId && ocsfClass !== CLASSES.authentication
        ? { uid: event.sessionId }
        : undefined,
  };
}

const RELATIONAL_TYPES = new Set(['postgres', 'mysql']);

function classFields(event: AuditEvent, ocsfClass: OcsfClass): Record<string, unknown> {
  const connection = event.connection;
  switch (ocsfClass) {
    case CLASSES.authentication:
      return {
        // `user` (required) is who logged on. Without a verified identity (authn.failure) the
        // best there is, is the user name the client sent.
        user: userOf(event) ?? {
          name: event.source?.user,
          type_id: 0,
          type: 'Unknown',
        },
        // Every Warden logon arrives over the network: psql, ssh, kubectl … to the gateway.
        logon_type_id: 3,
        logon_type: 'Network',
        service: connection ? { name: connection.name } : undefined,
        session: event.sessionId ? { uid: event.sessionId } : undefined,
      };
    case CLASSES.datastoreActivity:
      return {
        type_id: 1,
        type: 'Database',
        database: connection
          ? {
              name: connection.name,
              type: connection.type,
              // OCSF database types: 1 Relational, 0 Unknown.
              type_id: RELATIONAL_TYPES.has(connection.type) ? 1 : 0,
            }
          : undefined,
        query_info: event.request?.command
          ? { query_string: event.request.command, bytes: event.response?.bytes }
          : undefined,
      };
    default:
      return {
        api: {
          operation: event.type === 'http.request' ? (httpMethod(event) ?? event.type) : event.type,
          service: connection ? { name: connection.name } : undefined,
        },
      };
  }
}

/**
 * What the mapped fields leave out: Warden's event type, the actor's kind, the client's user
 * name, the request and response beyond the query text and byte count (rows, sample, params …),
 * session totals and the journal's hash chain. (The provider's raw event is added as it is.)
 */
function unmappedOf(event: AuditEvent, ocsfClass: OcsfClass): Record<string, unknown> {
  const isQuery = ocsfClass === CLASSES.datastoreActivity;
  return {
    type: event.type,
    actor: event.actor ? { kind: event.actor.kind } : undefined,
    source: { user: event.source?.user },
    connection: event.connection && !isQuery ? { type: event.connection.type } : undefined,
    request: isQuery ? without(event.request, 'command') : event.request,
    response: isQuery ? without(event.response, 'bytes') : event.response,
    totals: event.totals,
    prevHash: event.prevHash,
    hash: event.hash,
  };
}

function without(value: object | null, key: string): Record<string, unknown> | null {
  if (!value) return null;
  const rest: Record<string, unknown> = { ...value };
  delete rest[key];
  return rest;
}

/** Drops null, undefined and empty objects, so absent AuditEvent fields leave no empty OCSF ones. */
function compact(value: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const kept = compactValue(item);
    if (kept !== undefined) result[key] = kept;
  }
  return result;
}

function compactValue(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) return value.map((item) => compactValue(item) ?? null);
  if (typeof value !== 'object') return value;
  const object = compact(value as Record<string, unknown>);
  return Object.keys(object).length > 0 ? object : undefined;
}
