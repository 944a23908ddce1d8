// Masking sits where what the protocols record enters the gateway's storage: the journal, and the
// reviews (which keep the statement they hold, and show it to reviewers). One place, so no
// recorded command, parameter, result sample or error is stored — and so reaches no sink, export
// or API answer — unmasked. Each is masked by its connection's own settings.
import type { Journal } from '../audit/index.js';
import type { Masker } from '../policy/index.js';
import type { SessionReviews } from '../protocols/postgres/index.js';
import type { ReviewService } from '../reviews/index.js';

export type JournalAppender = Pick<Journal, 'append'>;
type MaskerOf = (connectionName: string | null | undefined) => Masker | null;

export function maskingJournal(journal: JournalAppender, maskerOf: MaskerOf): JournalAppender {
  return {
    append(draft, options) {
      const masker = maskerOf(draft.connection?.name);
      return journal.append(masker ? masker.maskDraft(draft) : draft, options);
    },
  };
}

/** What the protocols ask of the reviews, given commands masked as the record has them. */
export function maskingReviews(reviews: ReviewService, maskerOf: MaskerOf): SessionReviews {
  return {
    checkAccess: (input) => reviews.checkAccess(input),
    requestCommandReview(input) {
      const masker = maskerOf(input.connection.name);
      if (!masker) return reviews.requestCommandReview(input);
      // The counts are the events' business (maskDraft notes them); here only the text matters.
      const counts: Record<string, number> = {};
      return reviews.requestCommandReview({
        ...input,
        command: masker.mask(input.command, counts),
        params: input.params?.map((value) => (value === null ? null : masker.mask(value, counts))),
      });
    },
  };
}
