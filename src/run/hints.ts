/** Add a hint to the STS failures users hit most, so the error says what to change. */
import type { Hop } from '../base/types.js';
import type { TokenClaims } from '../sources/githubOidc.js';
import { StsError } from '../sts/errors.js';

export function explain(err: StsError, hop: Hop, claims?: TokenClaims): StsError {
  const hint = hintFor(err, hop, claims);
  if (!hint) return err;
  const explained = new StsError(err.action, err.code, err.status, `${err.awsMessage} — ${hint}`, err.retryable, err.roleArn);
  return explained;
}

function hintFor(err: StsError, hop: Hop, claims?: TokenClaims): string | undefined {
  const text = `${err.code} ${err.awsMessage}`;
  if (/sts:TagSession/.test(text) || (err.code === 'AccessDenied' && hop.tags.length > 0 && /TagSession/i.test(text))) {
    return "Hint: this hop sends session tags, so the role's trust policy must allow sts:TagSession; allow it, or set role-skip-session-tagging: true (or tags=none on this role-chain line).";
  }
  if (err.action === 'AssumeRoleWithWebIdentity' && (err.code === 'AccessDenied' || err.code === 'IDPRejectedClaim' || err.code === 'InvalidIdentityToken')) {
    const c = claims ?? {};
    const aud = Array.isArray(c.aud) ? c.aud.join(',') : c.aud;
    const shown = [
      ['iss', c.iss],
      ['aud', aud],
      ['sub', c.sub],
      ['repository', c.repository],
      ['ref', c.ref],
      ['environment', c.environment],
    ]
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    return (
      `Hint: the role's trust policy must trust the OIDC provider ${c.iss ?? '(token issuer)'} and match the token's claims` +
      (shown ? ` (${shown})` : '') +
      ': token.actions.githubusercontent.com:aud must equal the audience, and :sub must match the subject (StringLike, case-sensitive).'
    );
  }
  if (/1 hour session limit for roles assumed by role chaining/.test(err.awsMessage)) {
    return 'Hint: a role assumed with role credentials (any hop after the first) is limited to 3600 seconds.';
  }
  if (/MaxSessionDuration/.test(err.awsMessage)) {
    return "Hint: lower the duration for this hop, or raise the role's maximum session duration in IAM.";
  }
  if (err.code === 'ENOTFOUND') {
    return 'Hint: check aws-region (is it a real, enabled region?) and sts-endpoint.';
  }
  if (err.code === 'RegionDisabledException') {
    return 'Hint: STS is not activated in this region for the account; activate it in IAM account settings or use another aws-region.';
  }
  if (err.code === 'InvalidClientTokenId') {
    return 'Hint: the signing access key is unknown to AWS in this partition/region (wrong key, deleted key, or a region that is not enabled).';
  }
  return undefined;
}
