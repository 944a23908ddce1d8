// The PostgreSQL listener: what the rest of Warden may use from this module.
export {
  startPostgresListener,
  type PostgresListener,
  type PostgresListenerOptions,
} from './listener.js';
export type { AuthorizationDecision } from './admission.js';
export type { SessionReviews } from './client-connection.js';
