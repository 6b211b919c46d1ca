/**
 * The single retry layer: capped exponential backoff with jitter, an attempt limit and an overall
 * deadline. Only errors marked retryable are retried (see errors.ts for the classification).
 */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Epoch ms after which no new attempt starts. */
  readonly deadline: number;
}

export const DEFAULT_BACKOFF = { baseDelayMs: 250, maxDelayMs: 4000 } as const;

/** "Equal jitter": half the capped exponential delay fixed, half random, so retries spread but still back off. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

export interface RetryHooks<E> {
  readonly isRetryable: (err: unknown) => err is E;
  readonly onRetry?: (err: E, attempt: number, delayMs: number) => void;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Run `attempt(n)` (n from 1) until it succeeds, fails finally, runs out of attempts, or would pass the deadline. */
export async function withRetry<T, E>(policy: RetryPolicy, attempt: (n: number) => Promise<T>, hooks: RetryHooks<E>): Promise<T> {
  const now = hooks.now ?? Date.now;
  const wait = hooks.sleep ?? sleep;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (n >= policy.maxAttempts || !hooks.isRetryable(err)) throw err;
      const delay = backoffDelay(policy, n, hooks.random);
      if (now() + delay >= policy.deadline) throw err;
      hooks.onRetry?.(err, n, delay);
      await wait(delay);
    }
  }
}
