// A gateway's reviews as the API and the CLI reach them: a real store and journal, the review
// service, the API on 127.0.0.1, and tokens from the real OpenID provider sandbox.
import { startApiServer, type ApiServer } from '../../src/api/index.js';
import { createAuditReader, openJournal, type Actor, type Journal } from '../../src/audit/index.js';
import type { TlsFiles } from '../../src/config/index.js';
import { createTokenVerifier } from '../../src/identity/index.js';
import { silentLogger } from '../../src/log/index.js';
import { createReviewService, type ReviewService } from '../../src/reviews/index.js';
import { startOidcProvider, type OidcSandbox } from '../../src/sandbox/oidc-provider.js';
import { openTempStore, type TempStore } from '../audit/fixtures.js';
import { identityConfig, providerConfig } from '../identity/provider-config.js';

/** Who gets a token: the agent that asks, two approvers, someone else, and an admin. */
const clients = {
  agent: ['agents-db'],
  alice: ['dba'],
  bob: ['dba'],
  carol: ['analysts'],
  auditor: ['warden-admins'],
} as const;

export type Who = keyof typeof clients;

export interface ReviewsApi {
  server: ApiServer;
  reviews: ReviewService;
  journal: Journal;
  temp: TempStore;
  tokens: Record<Who, string>;
  /** The agent as the gateway records it: the requester of the reviews opened in tests. */
  agent: Actor;
  /** Opens a command review of `command` by the agent, held for one approval of `dba`. */
  holdStatement(
    command: string,
    approvals?: number,
  ): ReturnType<ReviewService['requestCommandReview']>;
  close(): Promise<void>;
}

/** With `tls`, the API speaks HTTPS with that certificate. */
export async function startReviewsApi(tls: TlsFiles | null = null): Promise<ReviewsApi> {
  const oidc: OidcSandbox = await startOidcProvider({
    audience: 'api://warden',
    clients: Object.entries(clients).map(([clientId, groups]) => ({
      clientId,
      clientSecret: `${clientId}-secret`,
      groups: [...groups],
    })),
  });
  const temp = await openTempStore();
  const journal = await openJournal(temp.store);
  const reviews = await createReviewService({
    store: temp.store,
    journal,
    logger: silentLogger(),
  });
  const verifier = createTokenVerifier(
    identityConfig([providerConfig({ name: 'test-idp', issuer: oidc.issuer })]),
  );
  const server = await startApiServer({
    listen: { host: '127.0.0.1', port: 0 },
    tls,
    verifyToken: (token) => verifier.verify(token),
    adminGroups: [{ group: 'warden-admins' }],
    reader: createAuditReader(temp.store, { settle: () => journal.indexed() }),
    reviews,
    health: () => ({}),
    logger: silentLogger(),
  });
  const tokens = Object.fromEntries(
    await Promise.all(
      Object.keys(clients).map(async (who) => [
        who,
        await oidc.clientCredentialsToken(who, `${who}-secret`),
      ]),
    ),
  ) as Record<Who, string>;
  const agent: Actor = {
    subject: 'agent',
    name: 'agent',
    provider: 'test-idp',
    groups: ['agents-db'],
    kind: 'agent',
  };
  return {
    server,
    reviews,
    journal,
    temp,
    tokens,
    agent,
    holdStatement: (command, approvals = 1) =>
      reviews.requestCommandReview({
        connection: { name: 'pg-prod', type: 'postgres' },
        rule: 'pg-prod.guardrails.hold-drops',
        policy: { approverGroups: [{ group: 'dba' }], approvals, timeoutMs: 300_000 },
        actor: agent,
        source: { ip: '127.0.0.1', client: 'psql' },
        sessionId: 'session-1',
        command,
      }),
    async close() {
      await server.close();
      await reviews.close();
      await journal.close();
      await temp.cleanup();
      await oidc.close();
    },
  };
}
