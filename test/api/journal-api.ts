// What the pull API tests share: the real OpenID provider sandbox with an admin and an agent
// client, and the API serving a journal in a fresh store on 127.0.0.1.
import { startApiServer } from '../../src/api/index.js';
import { createAuditReader, openJournal, type Journal } from '../../src/audit/index.js';
import { createTokenVerifier } from '../../src/identity/index.js';
import { silentLogger } from '../../src/log/index.js';
import { startOidcProvider, type OidcSandbox } from '../../src/sandbox/oidc-provider.js';
import { openTempStore } from '../audit/fixtures.js';
import { identityConfig, providerConfig } from '../identity/provider-config.js';

/** The sandbox, and a token of `auditor` (secret `a`, in warden-admins); `agent` (`b`) is not. */
export async function startApiOidc(): Promise<{ oidc: OidcSandbox; adminToken: string }> {
  const oidc = await startOidcProvider({
    audience: 'api://warden',
    clients: [
      { clientId: 'auditor', clientSecret: 'a', groups: ['warden-admins'] },
      { clientId: 'agent', clientSecret: 'b', groups: ['agents-db'] },
    ],
  });
  return { oidc, adminToken: await oidc.clientCredentialsToken('auditor', 'a') };
}

export interface JournalApi {
  url: string;
  journal: Journal;
  /** Closes the server (ending open streams), then the journal and the store. */
  close(): Promise<void>;
}

/** A journal in a fresh store, served by the API with tokens of `oidc`. */
export async function startJournalApi(
  oidc: OidcSandbox,
  options: { eventScanRows?: number } = {},
): Promise<JournalApi> {
  const temp = await openTempStore();
  const journal = await openJournal(temp.store);
  const verifier = createTokenVerifier(
    identityConfig([providerConfig({ name: 'test-idp', issuer: oidc.issuer })]),
  );
  const server = await startApiServer({
    listen: { host: '127.0.0.1', port: 0 },
    tls: null,
    verifyToken: (token) => verifier.verify(token),
    adminGroups: [{ group: 'warden-admins' }],
    reader: createAuditReader(temp.store, { ...options, settle: () => journal.indexed() }),
    health: () => ({}),
    logger: silentLogger(),
  });
  return {
    url: server.url,
    journal,
    async close() {
      await server.close();
      await journal.close();
      await temp.cleanup();
    },
  };
}
