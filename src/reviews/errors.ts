// Why a review could not be read or decided. The API answers them 404, 403 and 409.

/**
 * No such review, or, to a reader, one they may not see: the two are not told apart, so that
 * reading does not disclose what others asked for.
 */
export class ReviewNotFoundError extends Error {
  constructor(readonly reviewId: string) {
    super(`no review ${reviewId}`);
  }
}

/** The identity may not decide this review: it is their own, or they hold no approver group. */
export class ReviewForbiddenError extends Error {}

/** The review cannot take this decision now: it is no longer pending, or this approver counted already. */
export class ReviewConflictError extends Error {}
