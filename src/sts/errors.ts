/**
 * STS failures as one typed error. SDK error objects can carry request details (headers, signed
 * bodies), so only the code, status and AWS's message cross this boundary — never the SDK object.
 */
import { UserError } from '../base/errors.js';
import { DeadlineError, ReplyTooLargeError } from '../net/bounded.js';
import { diagnostic } from '../net/diagnostic.js';

/** Never retried: the same request would fail the same way. */
const FINAL_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'ValidationError',
  'InvalidIdentityToken',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'RegionDisabledException',
  'MalformedPolicyDocument',
  'PackedPolicyTooLarge',
  'IDPRejectedClaim',
  'ExpiredToken',
  'ExpiredTokenException',
  'MissingAuthenticationToken',
  'IncompleteSignature',
  'InvalidParameterValue',
]);

const RETRY_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'IDPCommunicationError',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Network failures worth another attempt (a reset or a timeout), as opposed to a wrong endpoint. */
const RETRY_NETWORK = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'EAI_AGAIN', 'TimeoutError', 'RequestTimeout']);

export class StsError extends UserError {
  constructor(
    readonly action: string,
    readonly code: string,
    readonly status: number | undefined,
    readonly awsMessage: string,
    readonly retryable: boolean,
    readonly roleArn?: string,
  ) {
    super(`${action}${roleArn ? ` ${roleArn}` : ''} failed: ${code}${status ? ` (HTTP ${status})` : ''}: ${awsMessage}`);
    this.name = 'StsError';
  }
}

export function isRetryableCode(code: string, status: number | undefined): boolean {
  if (FINAL_CODES.has(code)) return false;
  if (RETRY_CODES.has(code)) return true;
  // 429 is throttling whatever the body says (a proxy or gateway in front of STS answers it without a code).
  return status !== undefined && (status === 429 || status >= 500);
}

interface SdkLikeError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  Code?: unknown;
}

/** Longest AWS error message quoted; real ones are under 500 characters. */
const MAX_MESSAGE_CHARS = 1000;

/**
 * Turn whatever the SDK or node threw into an StsError; `endpoint` names the URL for network errors.
 * The endpoint's own text is quoted redacted: an endpoint could echo the request, and `secrets` (the
 * signer's keys, the web identity token) or any Authorization header must not come back in an error.
 */
export function toStsError(err: unknown, action: string, endpoint: string, roleArn?: string, secrets: readonly (string | undefined)[] = []): StsError {
  const quote = (text: string) => diagnostic(text, { secrets, longRuns: false, max: MAX_MESSAGE_CHARS });
  // Our own bounds first: a deadline is worth another attempt, an oversized reply is not.
  if (err instanceof DeadlineError) return new StsError(action, 'Timeout', undefined, err.message, true, roleArn);
  if (err instanceof ReplyTooLargeError) return new StsError(action, 'ReplyTooLarge', undefined, `${endpoint}: ${err.message}`, false, roleArn);
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkLikeError;
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const networkCode = typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'Error';
  const rawMessage = typeof e.message === 'string' ? e.message : String(err);
  if (status !== undefined) {
    const odd = oddReply(status, e, endpoint);
    if (odd) return new StsError(action, odd.code, status, odd.message, isRetryableCode(odd.code, status), roleArn);
    const named = typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : '';
    // The code is the endpoint's too: only an identifier-shaped one is taken as a code.
    const code = /^[A-Za-z][\w.-]{0,63}$/.test(named) ? named : 'UnknownError';
    return new StsError(action, code, status, quote(rawMessage), isRetryableCode(code, status), roleArn);
  }
  if (networkCode === 'TimeoutError' || networkCode === 'RequestTimeout' || /timed? ?out/i.test(rawMessage)) {
    return new StsError(action, 'Timeout', undefined, `${endpoint} did not answer in time`, true, roleArn);
  }
  if (networkCode === 'ECONNREFUSED' || networkCode === 'ENOTFOUND' || networkCode === 'EHOSTUNREACH') {
    return new StsError(action, networkCode, undefined, `cannot reach the STS endpoint ${endpoint}`, false, roleArn);
  }
  return new StsError(action, networkCode, undefined, `request to ${endpoint} failed: ${quote(rawMessage)}`, RETRY_NETWORK.has(networkCode), roleArn);
}

/**
 * Replies the SDK cannot turn into an AWS error, whose SDK wording ("RangeError … Deserialization
 * error: to see the raw response…", "Unknown: Unknown") would only confuse: AWS never answers an
 * error with 2xx or a redirect, and the SDK follows no redirect, so both mean the reply is not STS's.
 */
function oddReply(status: number, e: SdkLikeError, endpoint: string): { code: string; message: string } | undefined {
  if (status >= 200 && status < 300) return { code: 'UnreadableReply', message: `the STS reply could not be read (HTTP ${status})` };
  if (status < 400) return { code: 'UnexpectedStatus', message: `unexpected HTTP ${status} from the STS endpoint ${endpoint}` };
  const unnamed = (e.Code === undefined || e.Code === 'Unknown') && e.name === 'Unknown' && (e.message === 'Unknown' || e.message === undefined);
  if (unnamed) return { code: 'UnknownError', message: `the STS endpoint ${endpoint} answered HTTP ${status} without an error it could read` };
  return undefined;
}
