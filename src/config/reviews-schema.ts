import { configuredName } from './configured-name.js';
import { listOf, Mapping, type Read } from './reader.js';
import { httpUrl } from './sinks/http-url.js';
import type { ReviewsConfig } from './policy-types.js';

/** `reviews`: which channels hear of every new request, and where reviewers are sent. */
export function reviewsReader(notificationNames: readonly string[]): Read<ReviewsConfig> {
  const notify = listOf(configuredName(notificationNames, 'notification channel'));
  return (value, path, context) => {
    const reviews = Mapping.read(value, path, context, ['notify', 'approveUrl']);
    return {
      notify: reviews.optional('notify', notify, []),
      approveUrl: reviews.optional('approveUrl', httpUrl, null),
    };
  };
}
