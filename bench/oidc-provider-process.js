// The bench's OpenID provider, in a process of its own. oidc-provider (through Koa) turns on
// AsyncLocalStorage, which makes every promise in its process pay for async hooks; inside the
// bench process that would tax the gateway being measured, which in production never shares its
// process with an OpenID provider. Started by pgbench.js with fork(): it reports its issuer and
// a client-credentials token for `clientId`, and stops when the parent disconnects.
import { startOidcProvider } from '../dist/sandbox/oidc-provider.js';

const [clientId, clientSecret, group] = process.argv.slice(2);
const oidc = await startOidcProvider({
  audience: 'api://warden',
  clients: [{ clientId, clientSecret, groups: [group] }],
  accessTokenTtlSeconds: 3600,
});
const token = await oidc.clientCredentialsToken(clientId, clientSecret);
process.send({ issuer: oidc.issuer, token });
process.on('disconnect', () => {
  void oidc.close().then(() => process.exit(0));
});
