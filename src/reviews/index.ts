// Reviews: access requests (just-in-time access to a connection) and command reviews (a statement
// held until approved). The gateway asks, people decide through the API; every step is an event.
export {
  createReviewService,
  type AccessCheckInput,
  type CommandReviewInput,
  type ReviewListFilter,
  type ReviewService,
  type ReviewServiceOptions,
} from './review-service.js';
export { ReviewConflictError, ReviewForbiddenError, ReviewNotFoundError } from './errors.js';
export {
  REVIEW_KINDS,
  REVIEW_STATES,
  type AccessCheck,
  type PendingReview,
  type ReviewDecision,
  type ReviewKind,
  type ReviewState,
  type ReviewView,
} from './review.js';
