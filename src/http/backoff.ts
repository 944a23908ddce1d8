/** The longest Retry-After honoured: a server asking for more is asked again after this. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * The wait before attempt `failures + 1`: exponential from `minDelayMs`, capped at `maxDelayMs`,
 * with "equal jitter" (half fixed, half random) so that many gateways retrying one server spread
 * out; never shorter than the server's Retry-After.
 */
export function retryDelay(
  retry: { minDelayMs: number; maxDelayMs: number },
  failures: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(
    retry.maxDelayMs,
    retry.minDelayMs * 2 ** Math.min(failures - 1, 40),
  );
  const jittered = exponential / 2 + (random() * exponential) / 2;
  return Math.round(Math.max(jittered, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS)));
}
