import type { ActorKind } from '../audit/event.js';

/** A verified identity: what a token proved, never what a client claimed. */
export interface Principal {
  subject: string;
  /** Display name: the token's name claims, else the client id, else the subject. */
  name: string;
  /** The configured provider's `name` that verified the token. */
  provider: string;
  groups: string[];
  /** `agent` for a client-credentials token (no user), `person` otherwise. */
  kind: ActorKind;
  clientId: string | null;
  /** When the token expires: a session opened with it records this. */
  expiresAt: Date | null;
}
