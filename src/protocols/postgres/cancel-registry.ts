// The gateway hands each client its own BackendKeyData (a random process id and secret), never
// the target's. A CancelRequest arrives on a fresh connection carrying that key; the registry
// finds the session it belongs to, which forwards a real CancelRequest with the target's key.
import { randomInt } from 'node:crypto';

export interface CancelKey {
  processId: number;
  secretKey: number;
}

export class CancelRegistry {
  private readonly sessions = new Map<number, { secretKey: number; cancel: () => Promise<void> }>();

  /** A fresh key for a session; `cancel` runs when a client presents it. */
  register(cancel: () => Promise<void>): CancelKey & { unregister(): void } {
    let processId: number;
    do processId = randomInt(1, 2 ** 31);
    while (this.sessions.has(processId));
    const secretKey = randomInt(-(2 ** 31), 2 ** 31);
    this.sessions.set(processId, { secretKey, cancel });
    return { processId, secretKey, unregister: () => this.sessions.delete(processId) };
  }

  /** Runs the matching session's cancel; false when no session has this key (as PostgreSQL, say nothing). */
  async cancel(key: CancelKey): Promise<boolean> {
    const session = this.sessions.get(key.processId);
    if (!session || session.secretKey !== key.secretKey) return false;
    await session.cancel();
    return true;
  }
}
