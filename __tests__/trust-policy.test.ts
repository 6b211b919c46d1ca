/** IAM trust policies → the emulator's world: what loads is exactly what is enforced; the rest is refused by name. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandTrustPolicies, trustFromPolicy } from './support/trust-policy.js';

const GH = 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com';
const doc = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });
const web = (Condition: unknown) => ({ Effect: 'Allow', Principal: { Federated: GH }, Action: 'sts:AssumeRoleWithWebIdentity', Condition });

test('a GitHub web-identity statement becomes one OIDC trust per audience × subject, on the mapped issuer', () => {
  const t = trustFromPolicy(
    doc(web({ StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' }, StringLike: { 'token.actions.githubusercontent.com:sub': ['repo:o/a:*', 'repo:o/b:ref:refs/heads/main'] } })),
    { issuers: { 'token.actions.githubusercontent.com': 'http://127.0.0.1:9' } },
  );
  expect(t).toEqual({
    trust: {
      oidc: [
        { issuer: 'http://127.0.0.1:9', audience: 'sts.amazonaws.com', subject: 'repo:o/a:*' },
        { issuer: 'http://127.0.0.1:9', audience: 'sts.amazonaws.com', subject: 'repo:o/b:ref:refs/heads/main' },
      ],
    },
    allowTagSession: false,
  });
});

test('AWS principals with an external ID and sts:TagSession', () => {
  const t = trustFromPolicy(
    doc({ Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::111111111111:role/hub', '222222222222'] }, Action: ['sts:AssumeRole', 'sts:TagSession'], Condition: { StringEquals: { 'sts:ExternalId': 'x-1' } } }),
  );
  expect(t).toEqual({ trust: { principals: ['arn:aws:iam::111111111111:role/hub', '222222222222'] }, allowTagSession: true, externalId: 'x-1' });
});

test.each([
  ['a Deny statement', doc({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }), /Statement\[0\]\.Effect/],
  ['an unknown condition key', doc({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1' } } }), /aws:PrincipalOrgID.*not enforced/],
  ['an unknown operator', doc(web({ ForAnyValue: {} })), /ForAnyValue: operator not enforced/],
  ['a GitHub statement with no sub condition', doc(web({ StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' } })), /must restrict "token\.actions\.githubusercontent\.com:sub"/],
  ['a wildcard under StringEquals', doc(web({ StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': 'repo:o/*' } })), /use StringLike/],
  ['a Service principal', doc({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }), /Principal\.Service: not enforced/],
  ['NotPrincipal', doc({ Effect: 'Allow', NotPrincipal: { AWS: '*' }, Action: 'sts:AssumeRole' }), /NotPrincipal: not enforced/],
  ['an old Version', { Version: '2008-10-17', Statement: [] }, /Version/],
  ['two external IDs', doc({ Effect: 'Allow', Principal: { AWS: '1' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'a' } } }, { Effect: 'Allow', Principal: { AWS: '2' }, Action: 'sts:AssumeRole' }), /disagree about sts:ExternalId/],
])('refused: %s', (_name, policy, message) => {
  expect(() => trustFromPolicy(policy)).toThrow(message);
});

test('a world role with trustPolicyFile is expanded relative to the world; errors name the role; trust and a policy together are refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aac-trust-'));
  writeFileSync(join(dir, 'trust.json'), JSON.stringify(doc({ Effect: 'Allow', Principal: { AWS: '111111111111' }, Action: 'sts:AssumeRole' })));
  const arn = 'arn:aws:iam::222222222222:role/r';
  expect(expandTrustPolicies({ users: [], roles: [{ arn, trustPolicyFile: 'trust.json', maxSessionDuration: 7200 }] }, dir)).toEqual({
    users: [],
    roles: [{ arn, maxSessionDuration: 7200, trust: { principals: ['111111111111'] }, allowTagSession: false }],
  });
  expect(() => expandTrustPolicies({ users: [], roles: [{ arn, trustPolicy: doc({ Effect: 'Deny' }) }] }, dir)).toThrow(`roles[0] (${arn}): Statement[0].Effect`);
  expect(() => expandTrustPolicies({ users: [], roles: [{ arn, trust: {}, trustPolicyFile: 'trust.json' }] }, dir)).toThrow(/not both/);
});
