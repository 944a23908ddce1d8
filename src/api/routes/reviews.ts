import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GroupRef } from '../../config/types.js';
import type { Principal } from '../../identity/principal.js';
import { REVIEW_KINDS, REVIEW_STATES, type ReviewService } from '../../reviews/index.js';
import { isAdmin } from '../admin-auth.js';

// Access requests and command reviews. Any verified identity may call these: the service shows
// each one the reviews they asked for or may decide (an admin all), and decides who may decide.

/** A string enum: a wrong value is told as one error, not one per allowed value. */
const oneOf = <T extends string>(values: readonly T[]) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], description: values.join(', ') });

const ReviewListQuery = Type.Object(
  {
    state: Type.Optional(oneOf(REVIEW_STATES)),
    kind: Type.Optional(oneOf(REVIEW_KINDS)),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
type ReviewListQuery = Static<typeof ReviewListQuery>;

const ReviewParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
type ReviewParams = Static<typeof ReviewParams>;

/** Some text, not only blanks: a reason is read by people. */
const reasonText = Type.String({ minLength: 1, maxLength: 1000, pattern: '\\S' });

const ApproveBody = Type.Object(
  { reason: Type.Optional(reasonText) },
  { additionalProperties: false },
);
type ApproveBody = Static<typeof ApproveBody>;

const DenyBody = Type.Object({ reason: reasonText }, { additionalProperties: false });
type DenyBody = Static<typeof DenyBody>;

export function registerReviewRoutes(
  app: FastifyInstance,
  reviews: ReviewService,
  adminGroups: GroupRef[],
): void {
  // Set by the identity hook of the scope these routes are registered in.
  const viewer = (request: FastifyRequest) => request.principal as Principal;
  const admin = (request: FastifyRequest) => isAdmin(viewer(request), adminGroups);

  app.get<{ Querystring: ReviewListQuery }>(
    '/api/v1/reviews',
    {
      schema: {
        querystring: ReviewListQuery,
        summary:
          'Access requests and command reviews, newest first: those you asked for or may decide (an admin sees all)',
      },
    },
    async (request) => {
      const { limit = 100, ...filter } = request.query;
      return {
        reviews: await reviews.list({ ...filter, limit }, viewer(request), admin(request)),
      };
    },
  );

  app.get<{ Params: ReviewParams }>(
    '/api/v1/reviews/:id',
    { schema: { params: ReviewParams, summary: 'One review' } },
    async (request) => ({
      review: await reviews.get(request.params.id, viewer(request), admin(request)),
    }),
  );

  app.post<{ Params: ReviewParams; Body: ApproveBody }>(
    '/api/v1/reviews/:id/approve',
    {
      schema: {
        params: ReviewParams,
        body: ApproveBody,
        summary:
          'Approve a pending review (members of its approver groups, never the requester; one approval per identity)',
      },
      // The reason is optional, and so is a body holding nothing but it.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => ({
      review: await reviews.approve(
        request.params.id,
        viewer(request),
        request.body.reason ?? null,
      ),
    }),
  );

  app.post<{ Params: ReviewParams; Body: DenyBody }>(
    '/api/v1/reviews/:id/deny',
    {
      schema: {
        params: ReviewParams,
        body: DenyBody,
        summary: 'Deny a pending review, with the reason the requester is told',
      },
    },
    async (request) => ({
      review: await reviews.deny(request.params.id, viewer(request), request.body.reason),
    }),
  );
}
