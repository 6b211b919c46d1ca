/**
 * Every bound the action puts on what it reads and waits for, in one place. Real replies are a few
 * kB and real STS calls take well under a second; the caps sit far above both, so only a broken or
 * hostile peer meets them.
 */

/** Largest STS reply body accepted (bytes); real AssumeRole replies are 2–4 kB. */
export const MAX_STS_REPLY_BYTES = 64 * 1024;
/** Largest GitHub token-service reply accepted (bytes); a GitHub OIDC token is 1–2 kB. */
export const MAX_TOKEN_REPLY_BYTES = 64 * 1024;

/** Largest container-endpoint or IMDS reply accepted (bytes): a credentials document is under 2 kB. */
export const MAX_METADATA_REPLY_BYTES = 16 * 1024;
/**
 * Time one container-endpoint or IMDS request may take, connect to last byte (the SDKs use 1 s too):
 * on a runner that is not on AWS, the last-resort IMDS attempt must fail in seconds.
 */
export const METADATA_TIMEOUT_MS = 1_000;

/** Time allowed to open a connection (TCP + TLS). */
export const CONNECT_TIMEOUT_MS = 3_000;
/** Total time one request may take, connect to last byte; never past the step's own deadline. */
export const REQUEST_DEADLINE_MS = 10_000;

/** A config `credential_process` is stopped after this long (or sooner, at the step's deadline). */
export const PROCESS_TIMEOUT_MS = 60_000;
/** After SIGTERM, the process group has this long to exit before SIGKILL. */
export const PROCESS_KILL_GRACE_MS = 2_000;
/** Largest credential_process stdout accepted (bytes); its JSON is under 4 kB. */
export const MAX_PROCESS_STDOUT_BYTES = 64 * 1024;
/** How much of a credential_process's stderr is kept (its tail, bytes). */
export const MAX_PROCESS_STDERR_BYTES = 64 * 1024;
/** After the process exits, how long its pipes may stay open (a daemon it forked may hold them). */
export const PIPE_DRAIN_MS = 500;

/** Characters of a peer's own text (process stderr, token-service error body) quoted in an error. */
export const DIAGNOSTIC_CHARS = 200;

/** Clock skew tolerated between the runner and STS when checking a reply's Expiration. */
export const CLOCK_SKEW_MS = 5 * 60_000;
/** The session length STS gives when no DurationSeconds is sent. */
export const STS_DEFAULT_DURATION_S = 3_600;

/** Seconds as people read them: whole seconds, or one decimal below ten. */
export function seconds(ms: number): string {
  const s = Math.round(ms / 100) / 10;
  return s >= 10 || Number.isInteger(s) ? `${Math.round(s)} s` : `${s} s`;
}
