/** Error classification and hints for the STS failures users hit most. */
import { StsError, isRetryableCode, toStsError } from '../src/sts/errors.js';
import { explain, otherSubjectForm } from '../src/run/hints.js';
import type { Hop } from '../src/base/types.js';

const hop = (over: Partial<Hop> = {}): Hop => ({
  action: 'AssumeRole',
  roleArn: 'arn:aws:iam::222222222222:role/x',
  roleSessionName: 's1',
  tags: [{ key: 'GitHub', value: 'Actions' }],
  transitiveTagKeys: [],
  policyArns: [],
  origin: { where: 'role-to-assume' },
  ...over,
});
const err = (action: string, code: string, status: number | undefined, message: string) =>
  new StsError(action, code, status, message, isRetryableCode(code, status), 'arn:aws:iam::222222222222:role/x');

test('retry classification', () => {
  for (const code of ['Throttling', 'RequestLimitExceeded', 'IDPCommunicationError']) expect(isRetryableCode(code, 400)).toBe(true);
  expect(isRetryableCode('InternalFailure', 500)).toBe(true);
  expect(isRetryableCode('SomethingNew', 503)).toBe(true);
  for (const code of ['AccessDenied', 'ValidationError', 'InvalidIdentityToken', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'RegionDisabledException']) {
    expect(isRetryableCode(code, 500)).toBe(false);
  }
});

test('network errors: a reset or timeout is retried, a wrong endpoint is not', () => {
  expect(toStsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'AssumeRole', 'https://e').retryable).toBe(true);
  expect(toStsError(Object.assign(new Error('x'), { name: 'TimeoutError' }), 'AssumeRole', 'https://e')).toMatchObject({ code: 'Timeout', retryable: true });
  expect(toStsError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), 'AssumeRole', 'https://e')).toMatchObject({ retryable: false });
});

test('SDK error objects are reduced to code, status and message', () => {
  const sdk = Object.assign(new Error('User: arn:aws:iam::1:user/u is not authorized'), {
    name: 'AccessDenied',
    $metadata: { httpStatusCode: 403 },
    $response: { headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIASECRET/…' }, body: 'TokenCode=123456' },
  });
  const e = toStsError(sdk, 'AssumeRole', 'https://e', 'arn:aws:iam::1:role/r');
  expect(e.message).toBe('AssumeRole arn:aws:iam::1:role/r failed: AccessDenied (HTTP 403): User: arn:aws:iam::1:user/u is not authorized');
  expect(JSON.stringify(e)).not.toContain('AKIASECRET');
  expect(Object.keys(e)).not.toContain('$response');
});

test.each([
  [
    'TagSession',
    err('AssumeRole', 'AccessDenied', 403, 'User: u is not authorized to perform: sts:TagSession on resource: r'),
    hop(),
    /sts:TagSession.*role-skip-session-tagging/,
  ],
  [
    'chained hour',
    err('AssumeRole', 'ValidationError', 400, 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.'),
    hop(),
    /limited to 3600 seconds/,
  ],
  [
    'max session',
    err('AssumeRole', 'ValidationError', 400, 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.'),
    hop(),
    /maximum session duration/,
  ],
  [
    'unknown region',
    err('AssumeRole', 'ENOTFOUND', undefined, 'cannot reach the STS endpoint https://sts.xx-nowhere-1.amazonaws.com'),
    hop(),
    /check aws-region/,
  ],
  ['region disabled', err('AssumeRole', 'RegionDisabledException', 403, 'STS is not activated in this region'), hop(), /activate it/],
])('hint: %s', (_name, e, h, hint) => {
  expect(explain(e, h).message).toMatch(hint);
});

test('web identity denied: the token claims are printed next to what the trust must match', () => {
  const e = err('AssumeRoleWithWebIdentity', 'AccessDenied', 403, 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
  const m = explain(e, hop({ action: 'AssumeRoleWithWebIdentity', tags: [] }), {
    iss: 'https://token.actions.githubusercontent.com',
    aud: 'sts.amazonaws.com',
    sub: 'repo:octo-org/octo-repo:environment:prod',
    repository: 'octo-org/octo-repo',
    ref: 'refs/heads/main',
    environment: 'prod',
  }).message;
  expect(m).toContain(
    'iss=https://token.actions.githubusercontent.com aud=sts.amazonaws.com sub=repo:octo-org/octo-repo:environment:prod repository=octo-org/octo-repo ref=refs/heads/main environment=prod',
  );
  expect(m).toContain(':sub must match');
});

test('no hint where none applies', () => {
  const e = err('AssumeRole', 'AccessDenied', 403, 'User: u is not authorized to perform: sts:AssumeRole on resource: r');
  expect(explain(e, hop({ tags: [] }))).toBe(e);
});

describe('the two forms of GitHub’s sub claim (issue 15)', () => {
  const denied = err('AssumeRoleWithWebIdentity', 'AccessDenied', 403, 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
  const webHop = hop({ action: 'AssumeRoleWithWebIdentity', tags: [] });

  test('a by-name sub: the hint gives the immutable form, with the IDs from the token', () => {
    const claims = { sub: 'repo:octo-org/octo-repo:ref:refs/heads/main', repository_owner_id: '65432100', repository_id: '12345678' };
    expect(otherSubjectForm(claims)).toBe('repo:octo-org@65432100/octo-repo@12345678:ref:refs/heads/main');
    expect(explain(denied, webHop, claims).message).toContain(
      "This token's sub is GitHub's by-name form; a trust policy written for the other form (repo:octo-org@65432100/octo-repo@12345678:ref:refs/heads/main) does not match it",
    );
  });

  test('an immutable sub: the hint gives the by-name form', () => {
    const claims = { sub: 'repo:octo-org@65432100/octo-repo@12345678:environment:prod' };
    expect(otherSubjectForm(claims)).toBe('repo:octo-org/octo-repo:environment:prod');
    expect(explain(denied, webHop, claims).message).toContain("GitHub's immutable (owner and repository IDs) form");
  });

  test('IDs missing or not numeric are shown as placeholders; a custom sub gets no form hint', () => {
    expect(otherSubjectForm({ sub: 'repo:o/r:pull_request', repository_id: 'x1' })).toBe('repo:o@OWNER_ID/r@REPO_ID:pull_request');
    expect(otherSubjectForm({ sub: 'job_workflow_ref:o/r/.github/workflows/w.yml@refs/heads/main' })).toBeUndefined();
    expect(otherSubjectForm({})).toBeUndefined();
    expect(explain(denied, webHop, { sub: 'custom:thing' }).message).not.toContain('other form');
  });
});

describe('PackedPolicyTooLarge (issue 15)', () => {
  const packed = err('AssumeRole', 'PackedPolicyTooLarge', 400, 'Packed policy consumes 126% of allotted space, please use smaller policy.');

  test('names the tags, transitive keys and policy sizes the hop sent, and what to change', () => {
    const h = hop({
      tags: Array.from({ length: 12 }, (_, i) => ({ key: `k${i}`, value: 'v' })),
      transitiveTagKeys: ['k1', 'k2'],
      policy: '{"Version":"2012-10-17","Statement":[]}',
      policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
    });
    const m = explain(packed, h).message;
    expect(m).toContain('Packed policy consumes 126%');
    expect(m).toContain('12 session tag(s) (2 transitive), an inline session policy of 39 bytes, 1 managed session policy ARN(s).');
    expect(m).toMatch(/role-skip-session-tagging: true .*fewer custom-tags/);
  });

  test('nothing but tags', () => {
    expect(explain(packed, hop()).message).toContain('1 session tag(s), no inline session policy, 0 managed session policy ARN(s).');
  });
});
