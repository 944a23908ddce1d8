// `warden reviews …` as a user runs them, against a real gateway API (HTTP and HTTPS) with tokens
// from the real OpenID provider sandbox.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ReviewView } from '../../src/reviews/index.js';
import { startReviewsApi, type ReviewsApi } from '../reviews/reviews-api-harness.js';
import { runWarden as warden } from '../support/run-cli.js';
import { testCertificate, type TestCertificate } from '../support/tls.js';

let api: ReviewsApi;
let dir: string;

/** As `who`, against the test API. */
const as = (who: keyof ReviewsApi['tokens']) => [
  '--api',
  api.server.url,
  '--token',
  api.tokens[who],
];

/** A warden.yaml whose api.listen is the given one, and nothing else. */
function configWithApi(api: string): string {
  const path = join(dir, `warden-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, `api:\n${api}\n`);
  return path;
}

beforeAll(async () => {
  api = await startReviewsApi();
  dir = mkdtempSync(join(tmpdir(), 'warden-reviews-cli-'));
});

afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('warden reviews', () => {
  it('lists what an approver may decide, shows one, and approves it', async () => {
    const pending = await api.holdStatement('DROP TABLE orders');
    const listed = await warden('reviews', 'list', '--state', 'pending', ...as('alice'));
    expect(listed.code).toBe(0);
    const line = listed.stdout.split('\n').find((text) => text.includes(pending.id));
    expect(line).toMatch(
      /command.*agent \(agent, test-idp\).*pg-prod.*DROP TABLE orders.*0\/1.*expires/,
    );

    const shown = await warden('reviews', 'show', pending.id, ...as('alice'));
    expect(shown.stdout).toContain(`Review ${pending.id}: command review, pending`);
    expect(shown.stdout).toContain('  command    DROP TABLE orders');
    expect(shown.stdout).toContain('  approvers  1 of [dba], never the requester');

    const approved = await warden(
      'reviews',
      'approve',
      pending.id,
      '--reason',
      'planned migration',
      ...as('alice'),
    );
    expect(approved).toEqual({ code: 0, stdout: `Approved review ${pending.id}.\n`, stderr: '' });
    await expect(pending.decision).resolves.toEqual({ approved: true, approvers: ['alice'] });

    const json = await warden('reviews', 'show', pending.id, '--json', ...as('agent'));
    const review = JSON.parse(json.stdout) as ReviewView;
    expect(review).toMatchObject({
      state: 'approved',
      decidedBy: 'alice',
      reason: 'planned migration',
    });
  });

  it('counts an approval when more are needed', async () => {
    const pending = await api.holdStatement('DROP TABLE invoices', 2);
    const first = await warden('reviews', 'approve', pending.id, ...as('alice'));
    expect(first.stdout).toBe(
      `Approval counted for review ${pending.id}: 1 of 2, 1 more needed from others.\n`,
    );
    pending.withdraw('test over');
  });

  it('denies with a reason, which it requires', async () => {
    const pending = await api.holdStatement('TRUNCATE payments');
    const missing = await warden('reviews', 'deny', pending.id, ...as('bob'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("required option '--reason <text>' not specified");

    const denied = await warden(
      'reviews',
      'deny',
      pending.id,
      '--reason',
      'use a migration',
      ...as('bob'),
    );
    expect(denied.stdout).toBe(`Denied review ${pending.id}: use a migration\n`);
    await expect(pending.decision).resolves.toMatchObject({ outcome: 'denied', by: 'bob' });
  });

  it("fails with the API's message, never showing the token", async () => {
    const pending = await api.holdStatement('DROP TABLE customers');
    await expect(warden('reviews', 'approve', pending.id, ...as('agent'))).rejects.toThrow(
      new Error(`agent (test-idp) may not decide their own request (review ${pending.id})`),
    );
    await expect(warden('reviews', 'show', 'nope', ...as('alice'))).rejects.toThrow(
      new Error('no review nope'),
    );
    const rejected = warden(
      'reviews',
      'list',
      '--api',
      api.server.url,
      '--token',
      'forged-token-value',
    );
    await expect(rejected).rejects.toThrow(/^token rejected: /);
    await expect(rejected).rejects.not.toThrow('forged-token-value');
    pending.withdraw('test over');
  });

  it('takes the token and the address from the environment, and says how to pass a token', async () => {
    await expect(warden('reviews', 'list', '--api', api.server.url)).rejects.toThrow(
      new Error(
        'no token: pass --token TOKEN or set WARDEN_TOKEN to an access token from your identity provider',
      ),
    );
    vi.stubEnv('WARDEN_TOKEN', api.tokens.auditor);
    vi.stubEnv('WARDEN_API', api.server.url);
    const listed = await warden('reviews', 'list', '--json');
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as ReviewView[]).length).toBeGreaterThan(0);
    expect(listed.stdout + listed.stderr).not.toContain(api.tokens.auditor);

    vi.stubEnv('WARDEN_API', 'ftp://gateway');
    await expect(warden('reviews', 'list')).rejects.toThrow(
      new Error(
        '--api (or WARDEN_API): expected the API\'s http(s) URL, such as http://127.0.0.1:8080, got "ftp://gateway"',
      ),
    );
  });

  it('names a bad option before calling anyone', async () => {
    await expect(warden('reviews', 'list', '--state', 'open', ...as('alice'))).rejects.toThrow(
      new Error(
        '--state: expected one of pending, approved, denied, expired, withdrawn, got "open"',
      ),
    );
    await expect(warden('reviews', 'list', '--limit', '0', ...as('alice'))).rejects.toThrow(
      '--limit: expected an integer 1-1000, got "0"',
    );
  });

  it("finds the API from the config's api.listen, and says where else it could", async () => {
    const port = new URL(api.server.url).port;
    const config = configWithApi(`  listen: "127.0.0.1:${port}"`);
    const listed = await warden('reviews', 'list', '--config', config, '--token', api.tokens.alice);
    expect(listed.code).toBe(0);

    await expect(
      warden('reviews', 'list', '--config', join(dir, 'missing.yaml'), '--token', 'x'),
    ).rejects.toThrow(
      /^where is the gateway's API\? Pass --api URL or set WARDEN_API; else no configuration at /,
    );
  });
});

describe('warden reviews over HTTPS', () => {
  let certificate: TestCertificate;
  let secure: ReviewsApi;

  beforeAll(async () => {
    certificate = await testCertificate();
    secure = await startReviewsApi({ cert: certificate.certFile, key: certificate.keyFile });
  });

  afterAll(async () => {
    await secure?.close();
    await certificate?.remove();
  });

  it("trusts the gateway's own certificate when the address comes from its config", async () => {
    const port = new URL(secure.server.url).port;
    const config = configWithApi(
      `  listen: "127.0.0.1:${port}"\n  tls: { cert: ${certificate.certFile}, key: ${certificate.keyFile} }`,
    );
    const pending = await secure.holdStatement('DROP TABLE orders');
    const listed = await warden(
      'reviews',
      'list',
      '--json',
      '--config',
      config,
      '--token',
      secure.tokens.alice,
    );
    expect((JSON.parse(listed.stdout) as ReviewView[]).map((review) => review.id)).toEqual([
      pending.id,
    ]);
    // Given by hand, the certificate is not trusted: it is nobody's CA.
    await expect(
      warden('reviews', 'list', '--api', secure.server.url, '--token', secure.tokens.alice),
    ).rejects.toThrow(/^cannot reach the Warden API at https:\/\/127\.0\.0\.1:\d+: /);
    pending.withdraw('test over');
  });
});
