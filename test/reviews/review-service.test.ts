// The review service's rules, on a real journal and store: who may decide, how many must say
// yes, how a review ends (approved, denied, expired, withdrawn), access requests and restarts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventTypes, openJournal, type Actor, type Journal } from '../../src/audit/index.js';
import type { AccessApprovalPolicy, CommandReviewPolicy } from '../../src/config/index.js';
import type { Principal } from '../../src/identity/index.js';
import { silentLogger } from '../../src/log/index.js';
import {
  createReviewService,
  ReviewConflictError,
  ReviewForbiddenError,
  ReviewNotFoundError,
  type ReviewService,
  type ReviewView,
} from '../../src/reviews/index.js';
import { openTempStore, type TempStore } from '../audit/fixtures.js';
import { testJournal, type TestJournal } from '../support/test-journal.js';

function principal(subject: string, groups: string[], provider = 'okta'): Principal {
  return {
    subject,
    name: subject,
    provider,
    groups,
    kind: 'person',
    clientId: null,
    expiresAt: null,
    honouredUntil: null,
  };
}

const agent = principal('billing-agent', ['agents-db']);
const alice = principal('alice', ['dba']);
const bob = principal('bob', ['dba']);
const carol = principal('carol', ['analysts']);
/** The same subject as alice, from another provider: someone else. */
const otherAlice = principal('alice', ['dba'], 'entra');

const agentActor: Actor = { ...agent, kind: 'agent' };
const connection = { name: 'pg-prod', type: 'postgres' };
const source = { ip: '10.0.0.7', client: 'psql' };

const oneApproval: CommandReviewPolicy = {
  approverGroups: [{ group: 'dba' }],
  approvals: 1,
  timeoutMs: 60_000,
};
const accessPolicy: AccessApprovalPolicy = {
  approverGroups: [{ group: 'dba', provider: 'okta' }],
  approvals: 1,
  durationMs: 3_600_000,
  requestTtlMs: 86_400_000,
};

let temp: TempStore;
let inner: Journal;
let journal: TestJournal;
let clock: Date;
let announced: ReviewView[];
const services: ReviewService[] = [];

async function startService(): Promise<ReviewService> {
  const service = await createReviewService({
    store: temp.store,
    journal,
    logger: silentLogger(),
    announce: (review) => announced.push(review),
    now: () => clock,
  });
  services.push(service);
  return service;
}

function requestDrop(service: ReviewService, policy: CommandReviewPolicy = oneApproval) {
  return service.requestCommandReview({
    connection,
    rule: 'pg-prod.guardrails.hold-drops',
    policy,
    actor: agentActor,
    source,
    sessionId: 'session-1',
    command: 'DROP TABLE orders',
  });
}

const checkAccess = (service: ReviewService) =>
  service.checkAccess({ connection, policy: accessPolicy, actor: agentActor, source });

const advance = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};

beforeEach(async () => {
  temp = await openTempStore();
  inner = await openJournal(temp.store);
  journal = testJournal((draft, options) => inner.append(draft, options));
  clock = new Date('2026-11-21T09:00:00.000Z');
  announced = [];
});

afterEach(async () => {
  for (const service of services.splice(0)) await service.close();
  await inner.close();
  await temp.cleanup();
});

describe('command reviews', () => {
  it('records the request, announces it, and lets the statement run once approved', async () => {
    const reviews = await startService();
    const pending = await requestDrop(reviews);
    expect(pending.expiresAt).toEqual(new Date(clock.getTime() + 60_000));

    const [requested] = journal.ofType(EventTypes.reviewRequested);
    expect(requested).toMatchObject({
      actor: { subject: 'billing-agent' },
      connection,
      sessionId: 'session-1',
      source,
      request: { command: 'DROP TABLE orders' },
      policy: { rule: 'pg-prod.guardrails.hold-drops', action: 'review', reviewId: pending.id },
    });
    expect(announced).toHaveLength(1);
    expect(announced[0]).toMatchObject({ id: pending.id, state: 'pending', kind: 'command' });

    const view = await reviews.approve(pending.id, alice, 'planned migration');
    expect(view).toMatchObject({
      state: 'approved',
      decidedBy: 'alice',
      reason: 'planned migration',
      approvals: [{ subject: 'alice', name: 'alice', reason: 'planned migration' }],
    });
    await expect(pending.decision).resolves.toEqual({ approved: true, approvers: ['alice'] });
    expect(journal.ofType(EventTypes.reviewApproved)[0]).toMatchObject({
      actor: { subject: 'alice' },
      policy: { action: 'approve', reviewId: pending.id, approvers: ['alice'] },
    });
  });

  it('refuses a self-approval and records the attempt', async () => {
    const reviews = await startService();
    const selfApprover = { ...agent, groups: ['agents-db', 'dba'] };
    const pending = await requestDrop(reviews);

    await expect(reviews.approve(pending.id, selfApprover)).rejects.toThrow(
      new ReviewForbiddenError(
        `billing-agent (okta) may not decide their own request (review ${pending.id})`,
      ),
    );
    const [refused] = journal.ofType(EventTypes.reviewRefused);
    expect(refused).toMatchObject({
      actor: { subject: 'billing-agent' },
      policy: { action: 'refuse', attempted: 'approve', reviewId: pending.id },
      outcome: { result: 'denied' },
    });
    expect(refused?.policy?.message).toContain('their own request');
    expect((await reviews.get(pending.id, alice, false)).state).toBe('pending');
  });

  it('refuses someone without an approver group, without naming the groups', async () => {
    const reviews = await startService();
    const pending = await requestDrop(reviews);
    await expect(reviews.deny(pending.id, carol, 'no')).rejects.toThrow(
      `carol (okta) holds none of the approver groups of review ${pending.id}`,
    );
    const forOtherProvider = await requestDrop(reviews, {
      ...oneApproval,
      approverGroups: [{ group: 'dba', provider: 'okta' }],
    });
    await expect(reviews.approve(forOtherProvider.id, otherAlice)).rejects.toThrow(
      ReviewForbiddenError,
    );
    expect(journal.ofType(EventTypes.reviewRefused).map((e) => e.actor?.subject)).toEqual([
      'carol',
      'alice',
    ]);
    expect(journal.ofType(EventTypes.reviewDenied)).toHaveLength(0);
  });

  it('needs two approvals from two people when the rule says two', async () => {
    const reviews = await startService();
    const pending = await requestDrop(reviews, { ...oneApproval, approvals: 2 });

    const first = await reviews.approve(pending.id, alice);
    expect(first).toMatchObject({ state: 'pending', approvalsRequired: 2 });
    expect(first.approvals.map((a) => a.subject)).toEqual(['alice']);
    expect(journal.ofType(EventTypes.reviewApproval)[0]).toMatchObject({
      actor: { subject: 'alice' },
      policy: { approvals: 1, approvalsRequired: 2 },
    });

    await expect(reviews.approve(pending.id, alice)).rejects.toThrow(
      new ReviewConflictError(
        `alice (okta) approved review ${pending.id} already: approvals count once per identity, ` +
          '1 more needed from others',
      ),
    );
    // The same subject from another provider is another identity.
    const two = await reviews.approve(pending.id, { ...otherAlice, name: 'alice-entra' });
    expect(two.state).toBe('approved');
    await expect(pending.decision).resolves.toEqual({
      approved: true,
      approvers: ['alice', 'alice-entra'],
    });
    expect(journal.ofType(EventTypes.reviewApproved)).toHaveLength(1);
    await expect(reviews.approve(pending.id, bob)).rejects.toThrow(
      `review ${pending.id} is approved: only a pending review can be decided`,
    );
  });

  it('is decided by one deny, with its reason', async () => {
    const reviews = await startService();
    const pending = await requestDrop(reviews, { ...oneApproval, approvals: 2 });
    await reviews.approve(pending.id, alice);
    const denied = await reviews.deny(pending.id, bob, 'not during business hours');
    expect(denied).toMatchObject({
      state: 'denied',
      decidedBy: 'bob',
      reason: 'not during business hours',
    });
    await expect(pending.decision).resolves.toEqual({
      approved: false,
      outcome: 'denied',
      reason: 'not during business hours',
      by: 'bob',
    });
    expect(journal.ofType(EventTypes.reviewDenied)[0]).toMatchObject({
      actor: { subject: 'bob' },
      policy: { action: 'deny', message: 'not during business hours' },
    });
    await expect(reviews.deny(pending.id, alice, 'again')).rejects.toThrow(ReviewConflictError);
  });

  it('expires when nobody decides within the timeout', async () => {
    const reviews = await startService();
    const pending = await requestDrop(reviews, { ...oneApproval, timeoutMs: 50 });
    const decision = await pending.decision;
    expect(decision).toMatchObject({ approved: false, outcome: 'expired', by: null });
    const expired = await journal.waitFor((e) => e.type === EventTypes.reviewExpired);
    expect(expired).toMatchObject({
      actor: { subject: 'billing-agent' },
      policy: { action: 'expire', reviewId: pending.id },
    });
    expect((await reviews.get(pending.id, alice, false)).state).toBe('expired');
    await expect(reviews.approve(pending.id, alice)).rejects.toThrow(
      `review ${pending.id} is expired`,
    );
  });

  it('is withdrawn when its session ends before a decision', async () => {
    const reviews = await startService();
    const pending = await requestDrop(reviews);
    pending.withdraw('the session ended');
    await expect(pending.decision).resolves.toEqual({
      approved: false,
      outcome: 'withdrawn',
      reason: 'the session ended',
      by: null,
    });
    expect(journal.ofType(EventTypes.reviewWithdrawn)[0]).toMatchObject({
      policy: { action: 'withdraw', reviewId: pending.id, message: 'the session ended' },
    });
    // Too late for an approval.
    await expect(reviews.approve(pending.id, alice)).rejects.toThrow('is withdrawn');
  });

  it('opens nothing when the journal cannot record the request', async () => {
    const reviews = await startService();
    journal.failWith(new Error('disk full'));
    await expect(requestDrop(reviews)).rejects.toThrow('disk full');
    journal.failWith(null);
    expect(await reviews.list({ limit: 10 }, alice, true)).toEqual([]);
    expect(announced).toEqual([]);
  });

  it('decides nothing when the journal cannot record the decision', async () => {
    const reviews = await startService();
    const pending = await requestDrop(reviews);
    journal.failWith(new Error('disk full'));
    await expect(reviews.approve(pending.id, alice)).rejects.toThrow('disk full');
    journal.failWith(null);
    expect((await reviews.get(pending.id, alice, false)).state).toBe('pending');
    await reviews.approve(pending.id, alice);
    await expect(pending.decision).resolves.toMatchObject({ approved: true });
  });

  it('withdraws the command reviews of a previous process at start; access requests stay', async () => {
    const first = await startService();
    const pending = await requestDrop(first);
    const access = await checkAccess(first);

    // A second service on the same store, as after a crash of the gateway.
    const second = await startService();
    const view = await second.get(pending.id, alice, false);
    expect(view).toMatchObject({ state: 'withdrawn', reason: 'the gateway restarted' });
    expect(journal.ofType(EventTypes.reviewWithdrawn)[0]?.policy).toMatchObject({
      reviewId: pending.id,
      message: 'the gateway restarted',
    });
    expect((await second.get(access.reviewId, alice, false)).state).toBe('pending');
  });
});

describe('access requests', () => {
  it('opens one request per identity and connection, granted for its duration once approved', async () => {
    const reviews = await startService();
    const first = await checkAccess(reviews);
    expect(first).toMatchObject({ granted: false, created: true });
    expect(journal.ofType(EventTypes.reviewRequested)[0]).toMatchObject({
      policy: { rule: 'pg-prod.accessApproval', action: 'review', reviewId: first.reviewId },
    });
    expect(announced.map((review) => review.kind)).toEqual(['access']);

    const again = await checkAccess(reviews);
    expect(again).toEqual({ ...first, created: false });

    advance(60_000);
    const approved = await reviews.approve(first.reviewId, alice);
    const until = new Date(clock.getTime() + 3_600_000);
    expect(approved).toMatchObject({ state: 'approved', grantedUntil: until.toISOString() });
    expect(journal.ofType(EventTypes.reviewApproved)[0]?.policy).toMatchObject({
      grantedUntil: until.toISOString(),
    });
    advance(3_599_000);
    expect(await checkAccess(reviews)).toEqual({
      granted: true,
      reviewId: first.reviewId,
      until,
    });

    advance(1_000);
    const next = await checkAccess(reviews);
    expect(next).toMatchObject({ granted: false, created: true });
    expect(next.reviewId).not.toBe(first.reviewId);
  });

  it('expires an open request after its time to live, and opens a new one', async () => {
    const reviews = await startService();
    const first = await checkAccess(reviews);
    advance(86_400_000);
    await expect(reviews.approve(first.reviewId, alice)).rejects.toThrow(
      `review ${first.reviewId} is expired: only a pending review can be decided`,
    );
    expect(journal.ofType(EventTypes.reviewExpired)[0]?.policy?.reviewId).toBe(first.reviewId);
    const next = await checkAccess(reviews);
    expect(next).toMatchObject({ granted: false, created: true });
  });

  it('lets a denied identity ask again', async () => {
    const reviews = await startService();
    const first = await checkAccess(reviews);
    await reviews.deny(first.reviewId, alice, 'who are you?');
    const next = await checkAccess(reviews);
    expect(next).toMatchObject({ granted: false, created: true });
    expect(next.reviewId).not.toBe(first.reviewId);
  });

  it('keeps to the approver groups as they were when asked, provider included', async () => {
    const reviews = await startService();
    const request = await checkAccess(reviews);
    await expect(reviews.approve(request.reviewId, otherAlice)).rejects.toThrow(
      ReviewForbiddenError,
    );
    expect((await reviews.approve(request.reviewId, alice)).state).toBe('approved');
  });
});

describe('listing', () => {
  it('shows the requester their own, an approver what they may decide, an admin all', async () => {
    const reviews = await startService();
    const drop = await requestDrop(reviews);
    advance(1_000);
    const access = await checkAccess(reviews);
    advance(1_000);
    const other = await reviews.requestCommandReview({
      connection,
      rule: 'pg-prod.guardrails.hold-grants',
      policy: { ...oneApproval, approverGroups: [{ group: 'security' }] },
      actor: { ...carol, kind: 'person' },
      source,
      sessionId: 'session-2',
      command: 'GRANT ALL ON orders TO carol',
    });
    const ids = (views: ReviewView[]) => views.map((view) => view.id);

    expect(ids(await reviews.list({ limit: 10 }, agent, false))).toEqual([
      access.reviewId,
      drop.id,
    ]);
    expect(ids(await reviews.list({ limit: 10 }, alice, false))).toEqual([
      access.reviewId,
      drop.id,
    ]);
    expect(ids(await reviews.list({ limit: 10 }, carol, false))).toEqual([other.id]);
    expect(ids(await reviews.list({ limit: 10 }, bob, true))).toEqual([
      other.id,
      access.reviewId,
      drop.id,
    ]);
    expect(ids(await reviews.list({ limit: 2 }, bob, true))).toEqual([other.id, access.reviewId]);
    expect(ids(await reviews.list({ kind: 'access', limit: 10 }, bob, true))).toEqual([
      access.reviewId,
    ]);
    await reviews.deny(drop.id, alice, 'no');
    expect(ids(await reviews.list({ state: 'pending', limit: 10 }, alice, false))).toEqual([
      access.reviewId,
    ]);

    await expect(reviews.get(other.id, alice, false)).rejects.toThrow(
      new ReviewNotFoundError(other.id),
    );
    await expect(reviews.get('nope', alice, true)).rejects.toThrow('no review nope');
    await expect(reviews.approve('nope', alice)).rejects.toThrow(ReviewNotFoundError);
  });

  it('shows a review without the requester groups or anything but what was asked', async () => {
    const reviews = await startService();
    const pending = await requestDrop(reviews);
    const view = await reviews.get(pending.id, alice, false);
    expect(view).toEqual({
      id: pending.id,
      kind: 'command',
      state: 'pending',
      connection,
      rule: 'pg-prod.guardrails.hold-drops',
      requester: {
        subject: 'billing-agent',
        name: 'billing-agent',
        provider: 'okta',
        kind: 'agent',
      },
      sessionId: 'session-1',
      command: 'DROP TABLE orders',
      approverGroups: [{ group: 'dba' }],
      approvalsRequired: 1,
      approvals: [],
      createdAt: '2026-11-21T09:00:00.000Z',
      expiresAt: '2026-11-21T09:01:00.000Z',
      decidedAt: null,
      decidedBy: null,
      reason: null,
    });
  });
});
