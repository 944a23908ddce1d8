// Failed logins by source address. A token cannot be guessed, but each attempt costs a signature
// check and a recorded authn.failure: an address that keeps failing could flood both. After
// `max` failures within `windowSeconds` of its first, an address is refused at once until the
// window ends, and only its first refusal in a window is recorded.

export interface FailedLoginsConfig {
  /** Failures from one address that close it for the rest of the window. */
  max: number;
  windowSeconds: number;
}

export type LoginGate =
  | { open: true }
  | {
      open: false;
      /** Whole seconds until the window ends. */
      retryAfterSeconds: number;
      /** The first refusal of this window: the one worth recording. */
      firstRefusal: boolean;
    };

interface Window {
  startedAt: number;
  failures: number;
  refused: boolean;
}

/** Addresses tracked at most: beyond it the oldest windows are dropped, so memory stays bounded. */
const MAX_ADDRESSES = 100_000;

export class FailedLogins {
  readonly #windows = new Map<string, Window>();
  readonly #windowMs: number;

  constructor(
    private readonly config: FailedLoginsConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.#windowMs = config.windowSeconds * 1000;
  }

  /** Whether a login from `address` may be attempted now. */
  check(address: string): LoginGate {
    const window = this.#current(address);
    if (window === null || window.failures < this.config.max) return { open: true };
    const firstRefusal = !window.refused;
    window.refused = true;
    const left = window.startedAt + this.#windowMs - this.now();
    return { open: false, retryAfterSeconds: Math.max(1, Math.ceil(left / 1000)), firstRefusal };
  }

  /** A login from `address` failed. */
  recordFailure(address: string): void {
    const window = this.#current(address);
    if (window !== null) {
      window.failures += 1;
      return;
    }
    if (this.#windows.size >= MAX_ADDRESSES) {
      const oldest = this.#windows.keys().next().value as string;
      this.#windows.delete(oldest);
    }
    this.#windows.set(address, { startedAt: this.now(), failures: 1, refused: false });
  }

  /** The address's window if it is still running. */
  #current(address: string): Window | null {
    const window = this.#windows.get(address);
    if (window === undefined) return null;
    if (this.now() - window.startedAt < this.#windowMs) return window;
    this.#windows.delete(address);
    return null;
  }
}
