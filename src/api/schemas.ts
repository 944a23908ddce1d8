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

export const EventListQuery = Type.Object(
  {
    type: Type.Optional(Type.String({ minLength: 1 })),
    since: Type.Optional(isoTime),
    after: Type.Optional(
      Type.Integer({ minimum: 0, description: 'return events with seq > after' }),
    ),
    limit: Type.Optional(limit(1000)),
  },
  { additionalProperties: false },
);
export type EventListQuery = Static<typeof EventListQuery>;
