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
  /** When the token expires (its `exp`). */
  expiresAt: Date | null;
  /**
   * Until when Warden honours the token: `exp` plus the clock skew it allows, the same margin it
   * verified the token with. A session opened with the token ends then.
   */
  honouredUntil: Date | null;
}
