// The identity providers' log API stand-ins as the tests start them: each closed when the test
// that started it ends.
import {
  EntraGraphServer,
  type EntraGraphServerOptions,
} from '../../src/sandbox/entra-graph-server.js';
import { OktaLogServer, type OktaLogServerOptions } from '../../src/sandbox/okta-log-server.js';
import type { AddCleanup } from './cleanups.js';

export async function startOkta(
  addCleanup: AddCleanup,
  options: OktaLogServerOptions = {},
): Promise<OktaLogServer> {
  const server = await new OktaLogServer(options).start();
  addCleanup(() => server.close());
  return server;
}

/** Microsoft Graph for `tenantId`, where `clients` may get tokens; not throttling unless asked. */
export async function startEntra(
  addCleanup: AddCleanup,
  options: EntraGraphServerOptions,
): Promise<EntraGraphServer> {
  const server = await new EntraGraphServer({ throttle: null, ...options }).start();
  addCleanup(() => server.close());
  return server;
}
