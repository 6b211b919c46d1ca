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
      ': token.actions.githubusercontent.com:aud must equal the audience, and :sub must match the subject (StringLike, case-sensitive).' +
      subjectFormHint(c)
    );
  }
  if (err.code === 'PackedPolicyTooLarge' || /PackedPolicyTooLarge|packed policy/i.test(err.awsMessage)) {
    return packedPolicyHint(hop);
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

/** GitHub's immutable subject: `repo:OWNER@OWNER_ID/REPO@REPO_ID:…` (the IDs never change or get reused). */
const IMMUTABLE_SUBJECT = /^repo:([^/@:]+)@(\d+)\/([^/@:]+)@(\d+)(:.*)?$/;
const NAMED_SUBJECT = /^repo:([^/@:]+)\/([^/@:]+)(:.*)?$/;

/**
 * GitHub issues the default `sub` in two forms: by name (`repo:octo-org/app:ref:refs/heads/main`) and,
 * for repositories created or renamed after GitHub's change or opted in, with the owner's and the
 * repository's immutable IDs (`repo:octo-org@123456/app@456789:ref:refs/heads/main`). A trust policy
 * written for one form does not match a token in the other.
 */
export function otherSubjectForm(claims: TokenClaims): string | undefined {
  const sub = claims.sub;
  if (sub === undefined) return undefined;
  const immutable = IMMUTABLE_SUBJECT.exec(sub);
  if (immutable) return `repo:${immutable[1]}/${immutable[3]}${immutable[5] ?? ''}`;
  const named = NAMED_SUBJECT.exec(sub);
  if (!named) return undefined;
  const ownerId = /^\d+$/.test(claims.repository_owner_id ?? '') ? claims.repository_owner_id : 'OWNER_ID';
  const repoId = /^\d+$/.test(claims.repository_id ?? '') ? claims.repository_id : 'REPO_ID';
  return `repo:${named[1]}@${ownerId}/${named[2]}@${repoId}${named[3] ?? ''}`;
}

function subjectFormHint(claims: TokenClaims): string {
  const other = otherSubjectForm(claims);
  if (other === undefined) return '';
  const form = IMMUTABLE_SUBJECT.test(claims.sub ?? '') ? 'immutable (owner and repository IDs)' : 'by-name';
  return (
    ` This token's sub is GitHub's ${form} form; a trust policy written for the other form (${other}) does not match it:` +
    ' match the form this repository uses (GitHub switches new and renamed repositories, and those opted in, to the immutable form).'
  );
}

/** STS packs the session policies and tags into one field with a size limit; say what this hop put in it. */
function packedPolicyHint(hop: Hop): string {
  const inline = hop.policy === undefined ? 'no inline session policy' : `an inline session policy of ${Buffer.byteLength(hop.policy)} bytes`;
  const transitive = hop.transitiveTagKeys.length > 0 ? ` (${hop.transitiveTagKeys.length} transitive)` : '';
  return (
    `Hint: the session policies and session tags sent on this hop are too large once STS packs them: ` +
    `${hop.tags.length} session tag(s)${transitive}, ${inline}, ${hop.policyArns.length} managed session policy ARN(s). ` +
    'Set role-skip-session-tagging: true (or tags=none on this role-chain line), send fewer custom-tags, or shorten the session policies.'
  );
}
