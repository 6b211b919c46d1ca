/** IAM trust policies → the emulator's world: what loads is exactly what is enforced; the rest is refused by name. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { expandTrustPolicies, trustFromPolicy } from './support/trust-policy.js';
import { REPO_ROOT } from './support/harness.js';

const GH = 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com';
const doc = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });
const web = (Condition: unknown) => ({ Effect: 'Allow', Principal: { Federated: GH }, Action: 'sts:AssumeRoleWithWebIdentity', Condition });

test('a GitHub web-identity statement becomes one OIDC trust per audience × subject, on the mapped issuer', () => {
  const t = trustFromPolicy(
    doc(
      web({
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
        StringLike: { 'token.actions.githubusercontent.com:sub': ['repo:o/a:*', 'repo:o/b:ref:refs/heads/main'] },
      }),
    ),
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
    doc({
      Effect: 'Allow',
      Principal: { AWS: ['arn:aws:iam::111111111111:role/hub', '222222222222'] },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Condition: { StringEquals: { 'sts:ExternalId': 'x-1' } },
    }),
  );
  expect(t).toEqual({ trust: { principals: ['arn:aws:iam::111111111111:role/hub', '222222222222'] }, allowTagSession: true, externalId: 'x-1' });
});

test.each([
  ['a Deny statement', doc({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }), /Statement\[0\]\.Effect/],
  [
    'an unknown condition key',
    doc({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1' } } }),
    /aws:PrincipalOrgID.*not enforced/,
  ],
  ['an unknown operator', doc(web({ ForAnyValue: {} })), /ForAnyValue: operator not enforced/],
  [
    'a GitHub statement with no sub condition',
    doc(web({ StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' } })),
    /must restrict "token\.actions\.githubusercontent\.com:sub"/,
  ],
  [
    'a wildcard under StringEquals',
    doc(web({ StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': 'repo:o/*' } })),
    /use StringLike/,
  ],
  ['a Service principal', doc({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }), /Principal\.Service: not enforced/],
  ['NotPrincipal', doc({ Effect: 'Allow', NotPrincipal: { AWS: '*' }, Action: 'sts:AssumeRole' }), /NotPrincipal: not enforced/],
  ['an old Version', { Version: '2008-10-17', Statement: [] }, /Version/],
  [
    'two external IDs',
    doc(
      { Effect: 'Allow', Principal: { AWS: '1' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'a' } } },
      { Effect: 'Allow', Principal: { AWS: '2' }, Action: 'sts:AssumeRole' },
    ),
    /disagree about sts:ExternalId/,
  ],
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
  expect(() => expandTrustPolicies({ users: [], roles: [{ arn, trustPolicy: doc({ Effect: 'Deny' }) }] }, dir)).toThrow(
    `roles[0] (${arn}): Statement[0].Effect`,
  );
  expect(() => expandTrustPolicies({ users: [], roles: [{ arn, trust: {}, trustPolicyFile: 'trust.json' }] }, dir)).toThrow(/not both/);
});

describe('scripts/emulator.ts (the docs/emulator.md recipe)', () => {
  const run = (args: string[]) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/emulator.ts', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const line = new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
    return { child, exited, line, stderr: () => stderr };
  };

  test('--claim sets the token claims: the example trust policy accepts production and refuses staging', async () => {
    for (const [environment, allowed] of [
      ['production', true],
      ['staging', false],
    ] as const) {
      const e = run(['--world', 'examples/cross-account-deploy/world.json', '--claim', 'repository=octo-org/website', '--claim', `environment=${environment}`]);
      try {
        const info = JSON.parse(await e.line) as { sts: string; idTokenRequestUrl: string; idTokenRequestToken: string; sub: string };
        expect(info.sub).toBe(`repo:octo-org/website:environment:${environment}`);
        const res = await fetch(`${info.idTokenRequestUrl}&audience=sts.amazonaws.com`, { headers: { authorization: `Bearer ${info.idTokenRequestToken}` } });
        const token = ((await res.json()) as { value: string }).value;
        const sts = new STSClient({
          endpoint: info.sts,
          region: 'us-east-1',
          maxAttempts: 1,
          credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
        });
        const call = sts.send(
          new AssumeRoleWithWebIdentityCommand({ RoleArn: 'arn:aws:iam::111111111111:role/github-hub', RoleSessionName: 'doc', WebIdentityToken: token }),
        );
        if (allowed) expect((await call).AssumedRoleUser?.Arn).toBe('arn:aws:sts::111111111111:assumed-role/github-hub/doc');
        else await expect(call).rejects.toMatchObject({ name: 'AccessDenied' });
      } finally {
        e.child.kill('SIGTERM');
      }
      expect(await e.exited).toBe(0);
    }
  });

  test('an unknown claim or a policy the emulator cannot enforce: exit 2 with one line naming it', async () => {
    const a = run(['--world', 'examples/cross-account-deploy/world.json', '--claim', 'colour=blue']);
    expect(await a.exited).toBe(2);
    expect(a.stderr()).toMatch(/^--claim colour=blue: expected NAME=VALUE with NAME one of .*repository/);
    const dir = mkdtempSync(join(tmpdir(), 'aac-world-'));
    writeFileSync(
      join(dir, 'world.json'),
      JSON.stringify({ users: [], roles: [{ arn: 'arn:aws:iam::1:role/x', trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Deny' }] } }] }),
    );
    const b = run(['--world', join(dir, 'world.json')]);
    expect(await b.exited).toBe(2);
    expect(b.stderr()).toMatch(/^cannot load world .*: roles\[0\] \(arn:aws:iam::1:role\/x\): Statement\[0\]\.Effect: only "Allow"/);
  });
});
