// Collectors of the identity providers' own logs (Okta System Log, Entra sign-ins and audits):
// each pages through its provider's API and appends what it reads to the journal as idp.* events,
// with its checkpoint in the same commit.
export {
  createCollectorAdmin,
  UnknownCollectorError,
  type CollectorAdmin,
  type CollectorStatus,
} from './collector-admin.js';
export {
  startCollectors,
  type CollectorHealth,
  type CollectorService,
  type CollectorServiceOptions,
} from './collector-service.js';
export type { Sleep } from './collector-loop.js';
export { CHECKPOINT_EVENT_TYPE } from './checkpoint.js';
export { OKTA_EVENT_TYPE } from './okta/okta-event.js';
export { ENTRA_EVENT_TYPE } from './entra/entra-event.js';
