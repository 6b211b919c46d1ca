/** Authentication: who signed the request, whether the SigV4 signature and its clock skew pass, the region's state. */
import { parseSigV4, scopeProblem, type SigV4Auth, verifySigV4, type ReceivedRequest } from '../sigv4.js';
import { MSG_BAD_SIGNATURE, MSG_EXPIRED_TOKEN, MSG_INVALID_TOKEN, StsError } from './errors.js';
import type { EmulatorState } from './state.js';
import type { CallLogEntry, CallSigner, Principal } from './types.js';

const SKEW_MS = 15 * 60 * 1000;

/** `20260101T000000Z`, as AWS prints times in skew messages. */
const amzTime = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** Signature expiry (presigned) and the 15-minute skew window, judged by the signer clock nearest the request's time. */
function checkClock(state: EmulatorState, auth: SigV4Auth): void {
  const real = (state.opts.signerClocks?.() ?? [Date.now()]).reduce((best, c) => (Math.abs(c - auth.time) < Math.abs(best - auth.time) ? c : best));
  if (auth.presigned && auth.expiresSeconds !== undefined && real > auth.time + auth.expiresSeconds * 1000) {
    throw new StsError(
      'SignatureDoesNotMatch',
      `Signature expired: ${auth.amzDate} is now earlier than ${amzTime(real - auth.expiresSeconds * 1000)} (${amzTime(real)} - ${auth.expiresSeconds} sec.)`,
    );
  }
  if (auth.time < real - SKEW_MS) {
    throw new StsError(
      'SignatureDoesNotMatch',
      `Signature expired: ${auth.amzDate} is now earlier than ${amzTime(real - SKEW_MS)} (${amzTime(real)} - 15 min.)`,
    );
  }
  if (auth.time > real + SKEW_MS) {
    throw new StsError(
      'SignatureDoesNotMatch',
      `Signature not yet current: ${auth.amzDate} is still later than ${amzTime(real + SKEW_MS)} (${amzTime(real)} + 15 min.)`,
    );
  }
}

/** The principal whose key signed `rr`; records the signer on `entry` as soon as the key is known. */
export function authenticate(state: EmulatorState, rr: ReceivedRequest, entry: CallLogEntry): Principal {
  const parsed = parseSigV4(rr);
  if (parsed.kind === 'none') throw new StsError('MissingAuthenticationToken', 'Request is missing Authentication Token');
  if (parsed.kind === 'invalid') throw new StsError(parsed.code, parsed.message);
  const auth = parsed.auth;
  const principal = state.lookupKey(auth.accessKeyId);
  const signer: CallSigner = {
    accessKeyId: auth.accessKeyId,
    region: auth.region,
    principalArn: principal?.arn ?? null,
    sessionToken: auth.sessionToken !== undefined,
    verified: false,
  };
  entry.signer = signer;
  if (!principal) throw new StsError('InvalidClientTokenId', MSG_INVALID_TOKEN);
  if (auth.sessionToken !== principal.sessionToken) throw new StsError('InvalidClientTokenId', MSG_INVALID_TOKEN);
  if (principal.expiresAt !== undefined && state.now() >= principal.expiresAt) {
    throw new StsError('ExpiredToken', MSG_EXPIRED_TOKEN);
  }
  const scope = scopeProblem(auth, 'sts');
  if (scope) throw new StsError('SignatureDoesNotMatch', scope);
  checkClock(state, auth);
  if (!verifySigV4(rr, auth, principal.secretAccessKey).ok) throw new StsError('SignatureDoesNotMatch', MSG_BAD_SIGNATURE);
  signer.verified = true;
  if ((state.world.disabledRegions ?? []).includes(auth.region)) {
    throw new StsError(
      'RegionDisabledException',
      `STS is not activated in this region for account:${principal.account}. ` +
        'Your account administrator can activate STS in this region using the IAM Console.',
    );
  }
  return principal;
}
