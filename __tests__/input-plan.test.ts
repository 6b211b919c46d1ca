/** Input mode, pure part: inputs → Settings → Plan, with every constraint checked before any STS call. */
import { readSettings } from '../src/settings/settings.js';
import { buildInputPlan } from '../src/plan/buildInputPlan.js';
import { InputError } from '../src/base/errors.js';
import type { GithubContext } from '../src/plan/github.js';
import { totpCode, decodeBase32 } from '../src/sources/totp.js';
import { ACTION_YML, inputEnvName, readActionInputDefaults } from './support/harness.js';

const github: GithubContext = {
  repository: 'octo-org/octo-repo',
  workflow: 'Deploy (prod)',
  action: '__self',
  actor: 'octocat',
  sha: 'a'.repeat(40),
  ref: 'refs/heads/main',
  runId: '1234',
  runAttempt: '2',
};

/** As the runner does: every input declared in action.yml is set, to its default or empty. */
const declared = readActionInputDefaults(ACTION_YML);

/** The env the runner would hand the step: this process's env minus inputs and AWS/OIDC settings, plus `inputs`. */
function inputEnv(inputs: Record<string, string>, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!(k.startsWith('INPUT_') || k.startsWith('ACTIONS_ID_TOKEN') || k.startsWith('AWS_'))) env[k] = v;
  }
  for (const [k, v] of Object.entries({ ...declared, ...inputs })) env[inputEnvName(k)] = v;
  return { ...env, ...extra };
}

const plan = (inputs: Record<string, string>) => buildInputPlan(readSettings(inputEnv(inputs)), github);
const keys = { 'aws-access-key-id': 'AKIAEXAMPLEKEY000001', 'aws-secret-access-key': 'secret/with+chars' };
const A = 'arn:aws:iam::111111111111:role/a';
const B = 'arn:aws:iam::222222222222:role/b';
const C = 'arn:aws:iam::333333333333:role/c';

function inputError(inputs: Record<string, string>): InputError {
  try {
    plan(inputs);
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

describe('role-chain', () => {
  test('parses hops with per-line settings and applies step-wide defaults', () => {
    const p = plan({
      ...keys,
      'aws-region': 'eu-west-1',
      'role-chain': `# hub first\n${A}\n\n${B} external-id=ext-1 session-name=deploy duration=900 tag:team=core transitive-tag=team\n${C} tags=none`,
      'role-external-id': 'default-ext',
    });
    expect(p.region).toBe('eu-west-1');
    expect(p.targets).toHaveLength(1);
    const [a, b, c] = p.targets[0]!.chain.hops;
    expect(a!.roleArn).toBe(A);
    expect(a!.action).toBe('AssumeRole');
    expect(a!.externalId).toBe('default-ext');
    expect(a!.roleSessionName).toBe('GitHubActions-1234-2');
    expect(a!.tags.map((t) => t.key)).toEqual(['GitHub', 'Repository', 'Workflow', 'Action', 'Actor', 'Commit', 'Branch']);
    expect(a!.tags.find((t) => t.key === 'Workflow')!.value).toBe('Deploy _prod_');
    expect(b).toMatchObject({ roleArn: B, externalId: 'ext-1', roleSessionName: 'deploy', durationSeconds: 900, transitiveTagKeys: ['team'] });
    expect(b!.tags).toContainEqual({ key: 'team', value: 'core' });
    expect(b!.origin).toEqual({ where: 'role-chain', line: 4 });
    expect(c!.tags).toEqual([]);
    expect(p.targets[0]!.chain.source).toMatchObject({ kind: 'static' });
  });

  test('a transitive tag is not sent again on later hops', () => {
    const p = plan({ ...keys, 'aws-region': 'us-east-1', 'role-chain': `${A} tag:team=core transitive-tag=team\n${B}` });
    const [a, b] = p.targets[0]!.chain.hops;
    expect(a!.tags.map((t) => t.key)).toContain('team');
    expect(b!.tags.map((t) => t.key)).not.toContain('team');
    expect(b!.tags.map((t) => t.key)).toContain('Repository');
  });

  test('a chained hop over one hour is rejected with AWS wording, naming the line', () => {
    const err = inputError({ ...keys, 'aws-region': 'us-east-1', 'role-chain': `${A}\n${B} duration=7200` });
    expect(err.message).toContain("Input 'role-chain' line 2");
    expect(err.message).toContain('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  });

  test('role-duration-seconds above an hour applies to the first hop only when there is one hop', () => {
    const p = plan({ ...keys, 'aws-region': 'us-east-1', 'role-to-assume': A, 'role-duration-seconds': '43200' });
    expect(p.targets[0]!.chain.hops[0]!.durationSeconds).toBe(43200);
    const err = inputError({ ...keys, 'aws-region': 'us-east-1', 'role-chain': `${A}\n${B}`, 'role-duration-seconds': '7200' });
    expect(err.message).toMatch(/1 hour session limit/);
  });

  test('policies go to the last hop; source identity and MFA to the first AssumeRole hop', () => {
    const p = plan({
      ...keys,
      'aws-region': 'us-east-1',
      'role-chain': `${A}\n${B}`,
      'inline-session-policy': '{"Version":"2012-10-17","Statement":[]}',
      'managed-session-policies': 'arn:aws:iam::aws:policy/ReadOnlyAccess',
      'source-identity': 'alice',
      'mfa-serial': 'arn:aws:iam::111111111111:mfa/alice',
      'mfa-totp-secret': 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
    });
    const [a, b] = p.targets[0]!.chain.hops;
    expect(a!.policy).toBeUndefined();
    expect(a!.sourceIdentity).toBe('alice');
    expect(a!.mfa).toEqual({ serialNumber: 'arn:aws:iam::111111111111:mfa/alice', code: { kind: 'totp', secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' } });
    expect(b!.policy).toBe('{"Version":"2012-10-17","Statement":[]}');
    expect(b!.policyArns).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess']);
    expect(b!.sourceIdentity).toBeUndefined();
    expect(b!.mfa).toBeUndefined();
  });

  test('the GitHub OIDC source makes the first hop a web-identity hop without tags', () => {
    const env = inputEnv(
      { 'aws-region': 'us-east-1', 'role-chain': `${A}\n${B}` },
      { ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:1/token', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token' },
    );
    const p = buildInputPlan(readSettings(env), github);
    const chain = p.targets[0]!.chain;
    expect(chain.source).toEqual({ kind: 'web-identity', token: { kind: 'github-oidc', audience: 'sts.amazonaws.com' } });
    expect(chain.hops[0]).toMatchObject({ action: 'AssumeRoleWithWebIdentity', tags: [] });
    expect(chain.hops[1]!.action).toBe('AssumeRole');
    expect(chain.hops[1]!.tags.length).toBeGreaterThan(0);
  });

  test('fan-out roles become one target each, named by the template', () => {
    const p = plan({
      ...keys,
      'aws-region': 'us-east-1',
      'role-to-assume': A,
      'fan-out-roles': `${B}\n${C}`,
      'profile-name-template': 'audit-{account}',
    });
    expect(p.targets.map((t) => t.name)).toEqual(['audit-222222222222', 'audit-333333333333']);
    expect(p.targets[1]!.chain.hops.map((h) => h.roleArn)).toEqual([A, C]);
  });
});

describe('bad input is rejected before any STS call', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['missing region', { ...keys, 'role-to-assume': A }, /Input 'aws-region': is required/],
    ['bad region', { ...keys, 'role-to-assume': A, 'aws-region': 'US East' }, /Input 'aws-region': "US East" is not a valid region/],
    ['malformed ARN', { ...keys, 'aws-region': 'us-east-1', 'role-to-assume': 'arn:aws:iam::12:role/x' }, /Input 'role-to-assume': .*not an IAM role ARN/],
    ['unknown partition', { ...keys, 'aws-region': 'us-east-1', 'role-to-assume': 'arn:aws-mars:iam::111111111111:role/x' }, /unknown partition "aws-mars"/],
    [
      'partition vs region',
      { ...keys, 'aws-region': 'cn-north-1', 'role-to-assume': A },
      /partition "aws" but aws-region "cn-north-1" is in partition "aws-cn"/,
    ],
    [
      'secret without key id',
      { 'aws-secret-access-key': 'x', 'aws-region': 'us-east-1', 'role-to-assume': A },
      /Input 'aws-secret-access-key': was given without 'aws-access-key-id'/,
    ],
    ['key id without secret', { 'aws-access-key-id': 'AKIAX', 'aws-region': 'us-east-1', 'role-to-assume': A }, /Input 'aws-access-key-id': was given without/],
    [
      'two sources',
      { ...keys, 'web-identity-token-file': 't', 'aws-region': 'us-east-1', 'role-to-assume': A },
      /Input 'web-identity-token-file': cannot be combined with 'aws-access-key-id'/,
    ],
    [
      'duration range',
      { ...keys, 'aws-region': 'us-east-1', 'role-to-assume': A, 'role-duration-seconds': '600' },
      /Input 'role-duration-seconds': must be between 900 and 43200/,
    ],
    [
      'session name pattern',
      { ...keys, 'aws-region': 'us-east-1', 'role-to-assume': A, 'role-session-name': 'my session' },
      /Input 'role-session-name': session name "my session" may only contain/,
    ],
    [
      'external id pattern',
      { ...keys, 'aws-region': 'us-east-1', 'role-chain': `${A} external-id=a` },
      /Input 'role-chain' line 1: external ID must be 2 to 1224/,
    ],
    [
      'unknown hop setting',
      { ...keys, 'aws-region': 'us-east-1', 'role-chain': `${A}\n${B} colour=blue` },
      /Input 'role-chain' line 2: unknown setting "colour"/,
    ],
    [
      'policy JSON',
      { ...keys, 'aws-region': 'us-east-1', 'role-to-assume': A, 'inline-session-policy': '{nope' },
      /Input 'inline-session-policy': the policy is not valid JSON/,
    ],
    [
      'too many policies',
      {
        ...keys,
        'aws-region': 'us-east-1',
        'role-to-assume': A,
        'managed-session-policies': Array.from({ length: 11 }, (_, i) => `arn:aws:iam::aws:policy/P${i}`).join('\n'),
      },
      /at most 10 managed session policies/,
    ],
    ['custom tags JSON', { ...keys, 'aws-region': 'us-east-1', 'role-to-assume': A, 'custom-tags': '[1]' }, /Input 'custom-tags': must be a JSON object/],
    [
      'custom tag overriding a default',
      { ...keys, 'aws-region': 'us-east-1', 'role-to-assume': A, 'custom-tags': '{"repository":"x"}' },
      /default session tag/,
    ],
    [
      'tag value too long',
      { ...keys, 'aws-region': 'us-east-1', 'role-to-assume': A, 'custom-tags': JSON.stringify({ k: 'v'.repeat(257) }) },
      /at most 256 characters/,
    ],
    [
      'TOTP secret encoding',
      { ...keys, 'aws-region': 'us-east-1', 'role-to-assume': A, 'mfa-serial': 'arn:aws:iam::111111111111:mfa/a', 'mfa-totp-secret': 'not base32!' },
      /Input 'mfa-totp-secret': is not a valid base32/,
    ],
    [
      'MFA serial without a code',
      { ...keys, 'aws-region': 'us-east-1', 'role-to-assume': A, 'mfa-serial': 'arn:aws:iam::111111111111:mfa/a' },
      /Input 'mfa-serial': an MFA serial needs mfa-token-code or mfa-totp-secret/,
    ],
    [
      'tags on a web-identity hop',
      { 'web-identity-token-file': 't', 'aws-region': 'us-east-1', 'role-chain': `${A} tag:x=y` },
      /session tags cannot be sent on a web-identity hop/,
    ],
    ['bad boolean', { ...keys, 'aws-region': 'us-east-1', 'role-to-assume': A, 'role-chaining': 'yes' }, /Input 'role-chaining': must be true or false/],
    [
      'duplicate profile names',
      { ...keys, 'aws-region': 'us-east-1', 'role-to-assume': A, 'fan-out-roles': `${B}\n${B}`, 'profile-name-template': 'same' },
      /produces the profile name "same" more than once/,
    ],
    ['bad sts-endpoint', { ...keys, 'aws-region': 'us-east-1', 'role-to-assume': A, 'sts-endpoint': 'ftp://x' }, /Input 'sts-endpoint'/],
    ['allowed account ids', { ...keys, 'aws-region': 'us-east-1', 'role-to-assume': A, 'allowed-account-ids': '1234' }, /"1234" is not a 12-digit account ID/],
  ];
  test.each(cases)('%s', (_name, inputs, message) => {
    const err = inputError(inputs);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('secret/with+chars');
  });
});

describe('TOTP (RFC 6238 test vectors, SHA-1)', () => {
  const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // base32 of "12345678901234567890"
  test.each([
    [59, '287082'],
    [1111111109, '081804'],
    [1111111111, '050471'],
    [1234567890, '005924'],
    [2000000000, '279037'],
  ])('T=%i → %s', (seconds, code) => {
    expect(totpCode(secret, seconds * 1000)).toBe(code);
  });
  test('base32 decoding', () => {
    expect(decodeBase32(secret)!.toString()).toBe('12345678901234567890');
    expect(decodeBase32('!!')).toBeUndefined();
  });
});

describe('inputs come from the env handed to readSettings', () => {
  /** Runs `fn` with `inputs` set in process.env (as a decoy), restoring it afterwards. */
  function withDecoys<T>(inputs: Record<string, string>, fn: () => T): T {
    const saved = new Map(Object.keys(inputs).map((k) => [inputEnvName(k), process.env[inputEnvName(k)]] as const));
    for (const [k, v] of Object.entries(inputs)) process.env[inputEnvName(k)] = v;
    try {
      return fn();
    } finally {
      for (const [k, v] of saved) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }

  test('an input set only in process.env is not read; the one in the handed env is', () => {
    withDecoys({ 'aws-region': 'eu-west-3' }, () => {
      const settings = readSettings(inputEnv({ 'aws-region': 'ap-south-1', 'role-to-assume': A, ...keys }));
      expect(settings.region).toBe('ap-south-1');
      expect(buildInputPlan(settings, github).region).toBe('ap-south-1');
      // Negative: without the input in the handed env, process.env's value does not stand in for it
      // (the plan refuses a role with no region: issue 15 moved the check there, as keys alone need none).
      const without = readSettings(inputEnv({ 'role-to-assume': A, ...keys }));
      expect(without.region).toBeUndefined();
      expect(() => buildInputPlan(without, github)).toThrow(/Input 'aws-region': is required/);
    });
  });

  test("process.env's role does not reach the plan", () => {
    withDecoys({ 'role-to-assume': C }, () => {
      const withRole = buildInputPlan(readSettings(inputEnv({ 'aws-region': 'us-east-1', 'role-to-assume': B, ...keys })), github);
      expect(withRole.targets[0]!.chain.hops.map((h) => h.roleArn)).toEqual([B]);
      const withoutRole = buildInputPlan(readSettings(inputEnv({ 'aws-region': 'us-east-1', ...keys })), github);
      expect(withoutRole.targets.flatMap((t) => t.chain.hops.map((h) => h.roleArn))).not.toContain(C);
    });
  });
});
