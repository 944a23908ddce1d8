import { Mapping, nonEmptyString, type Read } from './reader.js';
import type { GroupRef } from './types.js';

/** `agents-db`, or `{ group: agents-db, provider: okta }` to count only okta's identities. */
export const readGroupRef: Read<GroupRef> = (value, path, context) => {
  if (typeof value === 'string') {
    return { group: nonEmptyString(value, path, context), provider: null };
  }
  const ref = Mapping.read(value, path, context, ['group', 'provider']);
  return {
    group: ref.required('group', nonEmptyString),
    provider: ref.optional('provider', nonEmptyString, null),
  };
};
