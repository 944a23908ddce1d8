import { stringMatching } from './reader.js';

/** An event type (`db.query`), a prefix (`db.*`) or every type (`*`): sink filters, alert rules. */
export const eventTypePattern = stringMatching(
  /^[a-z0-9_-]+(\.[a-z0-9_-]+)*(\.\*)?$|^\*$/,
  'an event type such as db.query, or a prefix such as db.*',
);
