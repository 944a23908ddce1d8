/** Why a cycle failed: `message` as operators know it, `detail` in the provider's own words. */
abstract class CollectorFailure extends Error {
  constructor(
    message: string,
    readonly detail: string | null = null,
  ) {
    super(message);
  }

  /** The message with its detail, as the status shows it. */
  get reason(): string {
    return this.detail ? `${this.message}: ${this.detail}` : this.message;
  }
}

/**
 * The provider refused in a way that retrying cannot fix (bad parameters, bad credentials): the
 * collector halts, says why, and waits to be resumed or reconfigured.
 */
export class CollectorHalt extends CollectorFailure {
  override readonly name = 'CollectorHalt';
}

/** The cycle failed in a way that may pass (an outage, the network): it is retried next cycle. */
export class CollectorRetry extends CollectorFailure {
  override readonly name = 'CollectorRetry';
}
