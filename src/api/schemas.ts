import { Type, type Static } from '@sinclair/typebox';

const isoTime = Type.String({
  format: 'date-time',
  description: 'ISO 8601 time, e.g. 2026-11-21T09:00:00Z',
});
const limit = (max: number) => Type.Integer({ minimum: 1, maximum: max, default: 100 });

export const SessionListQuery = Type.Object(
  {
    identity: Type.Optional(Type.String({ minLength: 1, description: 'subject or name' })),
    connection: Type.Optional(Type.String({ minLength: 1 })),
    since: Type.Optional(isoTime),
    until: Type.Optional(isoTime),
    limit: Type.Optional(limit(1000)),
    cursor: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type SessionListQuery = Static<typeof SessionListQuery>;

export const SessionParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export type SessionParams = Static<typeof SessionParams>;

export const SessionEventsQuery = Type.Object(
  {
    limit: Type.Optional(limit(1000)),
    cursor: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type SessionEventsQuery = Static<typeof SessionEventsQuery>;

// The pull API's filters, shared by the page listing and the live stream. Values are checked
// again by the reader (src/audit/query-input.ts), which says what was expected.
const eventFilters = {
  since: Type.Optional(isoTime),
  type: Type.Optional(
    Type.String({ minLength: 1, description: 'an event type (db.query) or a prefix (db.*)' }),
  ),
  actor: Type.Optional(Type.String({ minLength: 1, description: "the actor's subject or name" })),
  group: Type.Optional(Type.String({ minLength: 1, description: "one of the actor's groups" })),
  connection: Type.Optional(Type.String({ minLength: 1, description: "the connection's name" })),
  result: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'outcome.result: success, failure, denied or unknown',
    }),
  ),
  q: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 1000,
      description: 'text in request.command, case-insensitive',
    }),
  ),
  after: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'where to go on from: the cursor of a next link, or an event id of the stream',
    }),
  ),
};

export const EventListQuery = Type.Object(
  {
    ...eventFilters,
    until: Type.Optional(isoTime),
    limit: Type.Optional(limit(1000)),
  },
  { additionalProperties: false },
);
export type EventListQuery = Static<typeof EventListQuery>;

/** Events as the API returns them: the whole AuditEvent, of which these fields are always there. */
const AuditEventSchema = Type.Object(
  {
    id: Type.String(),
    seq: Type.Integer(),
    time: Type.String({ format: 'date-time' }),
    type: Type.String(),
  },
  { additionalProperties: true },
);

export const EventPageResponse = Type.Object({
  events: Type.Array(AuditEventSchema),
  next: Type.Union([Type.String(), Type.Null()], {
    description: 'the next page (also in the Link header); null once nothing before until remains',
  }),
});

export const EventStreamQuery = Type.Object(eventFilters, { additionalProperties: false });
export type EventStreamQuery = Static<typeof EventStreamQuery>;

export const EventStreamHeaders = Type.Object({
  'last-event-id': Type.Optional(
    Type.String({ minLength: 1, description: 'the last event id received: resume after it' }),
  ),
});
export type EventStreamHeaders = Static<typeof EventStreamHeaders>;

// Identities and one timeline per identity. Values are checked again by the reader, as above.

export const IdentityListQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1000,
        description: 'text in the subject, name, client id or alternate id, case-insensitive',
      }),
    ),
    after: Type.Optional(Type.String({ minLength: 1, description: 'the cursor of a next link' })),
    limit: Type.Optional(limit(1000)),
  },
  { additionalProperties: false },
);
export type IdentityListQuery = Static<typeof IdentityListQuery>;

const nullableText = (description: string) =>
  Type.Union([Type.String(), Type.Null()], { description });

const IdentitySchema = Type.Object({
  subject: Type.String(),
  name: nullableText('the latest display name its events carried'),
  provider: nullableText("the identity provider's name in the config, or the log collector's"),
  kind: nullableText('agent or person'),
  clientId: nullableText('the OAuth client (Okta cid, Entra app id)'),
  alternateId: nullableText("Okta's alternateId, an Entra user principal name or app id"),
  firstSeen: Type.String({ format: 'date-time' }),
  lastSeen: Type.String({ format: 'date-time' }),
  gatewayEvents: Type.Integer({ description: 'events recorded by Warden, statements not counted' }),
  idpEvents: Type.Integer({ description: "events of the identity provider's log" }),
});

const nextLink = Type.Union([Type.String(), Type.Null()], {
  description: 'the next page (also in the Link header); null on the last page',
});

export const IdentityPageResponse = Type.Object({
  identities: Type.Array(IdentitySchema),
  next: nextLink,
});

export const TimelineParams = Type.Object({
  subject: Type.String({
    minLength: 1,
    maxLength: 1024,
    description: 'a subject, client id or alternate id',
  }),
});
export type TimelineParams = Static<typeof TimelineParams>;

export const TimelineQuery = Type.Object(
  {
    since: Type.Optional(isoTime),
    until: Type.Optional(isoTime),
    after: Type.Optional(Type.String({ minLength: 1, description: 'the cursor of a next link' })),
    limit: Type.Optional(limit(1000)),
  },
  { additionalProperties: false },
);
export type TimelineQuery = Static<typeof TimelineQuery>;

export const TimelineResponse = Type.Object({
  identity: Type.Object({
    key: Type.String({ description: 'the subject, client id or alternate id asked for' }),
    matches: Type.Array(IdentitySchema, { description: 'every identity known by that key' }),
  }),
  items: Type.Array(AuditEventSchema),
  next: nextLink,
});
