import { readCommandReview } from './approval-policy-schema.js';
import { COMMAND_MATCH_KEYS, readCommandMatch } from './command-match-schema.js';
import { Mapping, namedListOf, nonEmptyString, oneOf, type Read } from './reader.js';
import { entryName } from './entry-name.js';
import type { CommandMatch, GuardrailRule } from './policy-types.js';

/** A connection's `guardrails`, checked in order; names are unique within the connection. */
export const readGuardrails: Read<GuardrailRule[]> = (value, path, context) =>
  namedListOf(readGuardrail, 'guardrail')(value, path, context);

const readGuardrail: Read<GuardrailRule> = (value, path, context) => {
  const guardrail = Mapping.read(value, path, context, [
    'name',
    'match',
    'action',
    'message',
    'review',
  ]);
  const name = guardrail.required('name', entryName);
  const match = guardrail.required('match', readMatch);
  const action = guardrail.optional('action', oneOf(['block', 'review']), 'block');
  const message = guardrail.optional('message', nonEmptyString, null);
  if (action === 'block') {
    guardrail.refuse('review', 'applies only with action: review');
    return { name, match, action, message, review: null };
  }
  if (!guardrail.given('review')) {
    context.issues.add(guardrail.pathOf('review'), 'required with action: review');
  }
  return { name, match, action, message, review: guardrail.section('review', readCommandReview) };
};

const readMatch: Read<CommandMatch> = (value, path, context) =>
  readCommandMatch(
    Mapping.read(value, path, context, COMMAND_MATCH_KEYS),
    path,
    context,
    'required',
  );
