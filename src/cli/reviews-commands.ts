// `warden reviews …`: access requests and command reviews, listed and decided through a running
// gateway's API with the caller's own token, so that the gateway verifies who decides.
import Table from 'cli-table3';
import { REVIEW_KINDS, REVIEW_STATES, type ReviewView } from '../reviews/index.js';
import { openApiClient, type ApiClientOptions } from './api-client.js';
import { dash, oneLine, row, shortTime, tableStyle } from './format.js';
import { positiveInteger, print } from './options.js';

export interface ReviewCommandOptions extends ApiClientOptions {
  json?: boolean;
}

function oneOf(name: string, value: string | undefined, choices: readonly string[]) {
  if (value !== undefined && !choices.includes(value)) {
    throw new Error(`--${name}: expected one of ${choices.join(', ')}, got "${value}"`);
  }
  return value;
}

const reviewPath = (id: string) => `/api/v1/reviews/${encodeURIComponent(id)}`;

export async function listReviews(
  options: ReviewCommandOptions & { state?: string; kind?: string; limit?: string },
): Promise<number> {
  const query = new URLSearchParams();
  const state = oneOf('state', options.state, REVIEW_STATES);
  const kind = oneOf('kind', options.kind, REVIEW_KINDS);
  if (state) query.set('state', state);
  if (kind) query.set('kind', kind);
  query.set('limit', String(positiveInteger('limit', options.limit, 1000) ?? 50));
  const api = await openApiClient(options);
  const { reviews } = await api.get<{ reviews: ReviewView[] }>(`/api/v1/reviews?${query}`);
  print(options.json, reviews, () => renderReviewList(reviews));
  return 0;
}

export async function showReview(id: string, options: ReviewCommandOptions): Promise<number> {
  const api = await openApiClient(options);
  const { review } = await api.get<{ review: ReviewView }>(reviewPath(id));
  print(options.json, review, () => renderReview(review));
  return 0;
}

export async function approveReview(
  id: string,
  options: ReviewCommandOptions & { reason?: string },
): Promise<number> {
  const api = await openApiClient(options);
  const { review } = await api.post<{ review: ReviewView }>(
    `${reviewPath(id)}/approve`,
    options.reason === undefined ? {} : { reason: options.reason },
  );
  print(options.json, review, () =>
    review.state === 'approved'
      ? `Approved review ${review.id}${grantNote(review)}.`
      : `Approval counted for review ${review.id}: ${review.approvals.length} of ` +
        `${review.approvalsRequired}, ${review.approvalsRequired - review.approvals.length} more needed from others.`,
  );
  return 0;
}

export async function denyReview(
  id: string,
  options: ReviewCommandOptions & { reason: string },
): Promise<number> {
  const api = await openApiClient(options);
  const { review } = await api.post<{ review: ReviewView }>(`${reviewPath(id)}/deny`, {
    reason: options.reason,
  });
  print(
    options.json,
    review,
    () => `Denied review ${review.id}: ${oneLine(review.reason ?? '', 200)}`,
  );
  return 0;
}

function grantNote(review: ReviewView): string {
  return review.grantedUntil
    ? `: ${review.requester.name} may connect until ${shortTime(review.grantedUntil)}`
    : '';
}

function what(review: ReviewView): string {
  return review.kind === 'command' ? (review.command ?? '') : `access to ${review.connection.name}`;
}

function when(review: ReviewView): string {
  if (review.state === 'pending') return `expires ${shortTime(review.expiresAt)}`;
  const decided = `${review.state} ${shortTime(review.decidedAt)}`;
  return review.decidedBy ? `${decided} by ${review.decidedBy}` : decided;
}

export function renderReviewList(reviews: ReviewView[]): string {
  if (reviews.length === 0) return 'No reviews.';
  const table = new Table({
    ...tableStyle,
    head: ['review', 'kind', 'requested', 'by', 'connection', 'what', 'approvals', 'state'],
  });
  for (const review of reviews) {
    table.push(
      row([
        review.id,
        review.kind,
        shortTime(review.createdAt),
        `${review.requester.name} (${review.requester.kind}, ${review.requester.provider})`,
        review.connection.name,
        oneLine(what(review), 60),
        `${review.approvals.length}/${review.approvalsRequired}`,
        when(review),
      ]),
    );
  }
  return table.toString();
}

export function renderReview(review: ReviewView): string {
  const requester = review.requester;
  const lines = [
    `Review ${review.id}: ${review.kind === 'command' ? 'command review' : 'access request'}, ${review.state}`,
    `  rule       ${review.rule}`,
    `  requester  ${requester.name}: ${requester.kind} from ${requester.provider}, subject ${requester.subject}`,
    `  connection ${review.connection.name} (${review.connection.type})`,
  ];
  if (review.kind === 'command') {
    lines.push(
      `  session    ${review.sessionId ?? dash}`,
      `  command    ${oneLine(review.command ?? '', 500)}`,
    );
    if (review.params?.length)
      lines.push(`  params     ${oneLine(JSON.stringify(review.params), 200)}`);
  }
  const groups = review.approverGroups.map((ref) =>
    ref.provider ? `${ref.group} (${ref.provider})` : ref.group,
  );
  lines.push(
    `  approvers  ${review.approvalsRequired} of [${groups.join(', ')}], never the requester`,
    `  requested  ${shortTime(review.createdAt)}`,
    review.state === 'pending'
      ? `  expires    ${shortTime(review.expiresAt)}`
      : `  decided    ${when(review)}${review.reason ? `: ${oneLine(review.reason, 200)}` : ''}`,
  );
  if (review.grantedUntil) lines.push(`  granted    until ${shortTime(review.grantedUntil)}`);
  for (const approval of review.approvals) {
    lines.push(
      `  approved   ${shortTime(approval.at)} by ${approval.name} (${approval.provider})` +
        (approval.reason ? `: ${oneLine(approval.reason, 200)}` : ''),
    );
  }
  // Names come from tokens and commands from clients: made printable as table cells are.
  return row(lines).join('\n');
}
