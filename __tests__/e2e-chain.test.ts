/** Role chains from inputs, end to end: every hop's parameters arrive exactly, each signed by the previous hop. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Scenario, HUB, DEPLOY, TARGET, USER, MFA_ROLE, MFA_SERIAL, TOTP_SECRET } from './support/scenario.js';
import { totpCode } from '../src/sources/totp.js';

/** A second role that wants the same MFA device: its hop needs a code of its own. */
const SECOND_MFA = 'arn:aws:iam::555555555555:role/mfa-again';

let s: Scenario;
beforeEach(async () => {
  s = await Scenario.start({
    extraRoles: [
      { arn: 'arn:aws:iam::555555555555:role/after-mfa', trust: { principals: [MFA_ROLE] } },
      { arn: SECOND_MFA, trust: { principals: [MFA_ROLE] }, mfa: { serialNumber: MFA_SERIAL, totpSecret: TOTP_SECRET } },
    ],
  });
});
afterEach(async () => {
  await s.stop();
});

const POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}';

test('OIDC → A → B → C in one step: parameters per hop, signers, outputs', async () => {
  const r = await s.main({
    inputs: {
      'aws-region': 'eu-central-1',
      'role-chain': [
        `${HUB} duration=7200 session-name=hub-session`,
        `${DEPLOY} external-id=deploy-ext-42 session-name=deploy duration=900 tag:team=core transitive-tag=team source-identity=alice`,
        `${TARGET} session-name=final`,
      ].join('\n'),
      'inline-session-policy': POLICY,
      'managed-session-policies': 'arn:aws:iam::aws:policy/ReadOnlyAccess\narn:aws:iam::333333333333:policy/extra',
      'custom-tags': '{"cost-center":"42"}',
      'output-credentials': 'true',
    },
    env: s.oidcEnv,
  });
  expect(r.errors).toEqual([]);
  expect(r.exitCode).toBe(0);
  const calls = s.calls();
  expect(calls.map((c) => c.action)).toEqual(['AssumeRoleWithWebIdentity', 'AssumeRole', 'AssumeRole']);
  const [hub, deploy, target] = calls;
  const sessions = s.sts.issuedSessions();

  expect(hub!.params).toMatchObject({ RoleArn: HUB, RoleSessionName: 'hub-session', DurationSeconds: '7200' });
  expect(Object.keys(hub!.params).filter((k) => k.startsWith('Tags') || k === 'ExternalId' || k === 'Policy')).toEqual([]);

  expect(deploy!.signer).toMatchObject({ accessKeyId: sessions[0]!.accessKeyId, verified: true, sessionToken: true });
  expect(deploy!.params).toMatchObject({
    RoleArn: DEPLOY,
    RoleSessionName: 'deploy',
    DurationSeconds: '900',
    ExternalId: 'deploy-ext-42',
    SourceIdentity: 'alice',
    'TransitiveTagKeys.member.1': 'team',
  });
  const tags = (p: Record<string, string>) =>
    Object.fromEntries(
      Object.keys(p)
        .filter((k) => /^Tags\.member\.\d+\.Key$/.test(k))
        .map((k) => [p[k], p[k.replace('.Key', '.Value')]]),
    );
  expect(tags(deploy!.params)).toEqual({
    GitHub: 'Actions',
    Repository: 'octo-org/octo-repo',
    Workflow: expect.any(String),
    Action: expect.any(String),
    Actor: expect.any(String),
    Commit: expect.stringMatching(/^[0-9a-f]{40}$/),
    Branch: 'refs/heads/main',
    'cost-center': '42',
    team: 'core',
  });
  expect(deploy!.params['Policy']).toBeUndefined();

  expect(target!.signer).toMatchObject({ accessKeyId: sessions[1]!.accessKeyId, verified: true });
  expect(target!.params).toMatchObject({
    RoleArn: TARGET,
    RoleSessionName: 'final',
    Policy: POLICY,
    'PolicyArns.member.1.arn': 'arn:aws:iam::aws:policy/ReadOnlyAccess',
    'PolicyArns.member.2.arn': 'arn:aws:iam::333333333333:policy/extra',
  });
  expect(target!.params['SourceIdentity']).toBeUndefined();
  expect(target!.params['ExternalId']).toBeUndefined();
  expect(tags(target!.params)['team']).toBeUndefined(); // inherited transitively, not re-sent
  expect(tags(target!.params)['Repository']).toBe('octo-org/octo-repo');

  const final = sessions[2]!;
  expect(r.exportedEnv['AWS_ACCESS_KEY_ID']).toBe(final.accessKeyId);
  expect(r.outputs).toMatchObject({
    'aws-account-id': '333333333333',
    'aws-role-arn': TARGET,
    'aws-access-key-id': final.accessKeyId,
    'aws-secret-access-key': final.secretAccessKey,
    'aws-session-token': final.sessionToken,
  });
  expect(r.outputs['aws-expiration']).toBe(new Date(Math.floor(final.expiresAt / 1000) * 1000).toISOString());
  const chain = JSON.parse(r.outputs['chain']!) as Array<Record<string, string>>;
  expect(chain.map((h) => h['roleArn'])).toEqual([HUB, DEPLOY, TARGET]);
  expect(chain[2]).toMatchObject({ accountId: '333333333333', sessionName: 'final' });
  expect(r.outputs['chain']).not.toContain(final.secretAccessKey);
  s.noLeaks(r, [r.files.output]);
});

test('MFA from a TOTP secret: SerialNumber and the computed code arrive, the emulator accepts them', async () => {
  const r = await s.main({
    inputs: {
      'aws-region': 'us-east-1',
      'aws-access-key-id': USER.accessKeyId,
      'aws-secret-access-key': USER.secretAccessKey,
      'role-chain': `${MFA_ROLE}\narn:aws:iam::555555555555:role/after-mfa`,
      'mfa-serial': MFA_SERIAL,
      'mfa-totp-secret': TOTP_SECRET,
    },
    env: s.stsEnv,
  });
  expect(r.errors).toEqual([]);
  const [mfa, next] = s.calls();
  expect(mfa).toMatchObject({ status: 200, params: { SerialNumber: MFA_SERIAL, TokenCode: expect.stringMatching(/^\d{6}$/) } });
  expect(mfa!.signer?.accessKeyId).toBe(USER.accessKeyId);
  expect(next!.params['SerialNumber']).toBeUndefined();
  expect(r.masks).toContain(TOTP_SECRET);
  s.noLeaks(r);
});

/** Keys → MFA_ROLE → SECOND_MFA, both hops on the same MFA device. */
const TWO_MFA_HOPS = {
  'aws-region': 'us-east-1',
  'aws-access-key-id': USER.accessKeyId,
  'aws-secret-access-key': USER.secretAccessKey,
  'role-chain': `${MFA_ROLE}\n${SECOND_MFA} mfa-serial=${MFA_SERIAL}`,
  'mfa-serial': MFA_SERIAL,
};

test('two MFA hops on one device: the second waits for the next TOTP window (AWS takes each code once)', async () => {
  const r = await s.main({
    inputs: { ...TWO_MFA_HOPS, 'mfa-totp-secret': TOTP_SECRET },
    env: s.stsEnv,
  });
  expect(r.errors).toEqual([]);
  const [first, second] = s.calls();
  expect([first!.status, second!.status]).toEqual([200, 200]);
  expect(second!.params['TokenCode']).not.toBe(first!.params['TokenCode']);
  expect(Date.parse(second!.time) - Date.parse(first!.time)).toBeLessThanOrEqual(31_000);
  s.noLeaks(r);
}, 70_000);

test('control: the emulator refuses a spent code, as AWS does', async () => {
  const code = totpCode(TOTP_SECRET);
  const inputs = {
    'aws-region': 'us-east-1',
    'aws-access-key-id': USER.accessKeyId,
    'aws-secret-access-key': USER.secretAccessKey,
    'role-to-assume': MFA_ROLE,
    'mfa-serial': MFA_SERIAL,
    'mfa-token-code': code,
  };
  const once = await s.main({ inputs, env: s.stsEnv });
  expect(once.errors).toEqual([]);
  const twice = await s.main({ inputs, env: s.stsEnv });
  expect(twice.exitCode).toBe(1);
  expect(twice.errors[0]).toMatch(/MultiFactorAuthentication failed with invalid MFA one time pass code/);
});

test('one fixed mfa-token-code cannot serve two MFA hops: the second is refused with the way out', async () => {
  const r = await s.main({
    inputs: { ...TWO_MFA_HOPS, 'mfa-token-code': totpCode(TOTP_SECRET) },
    env: s.stsEnv,
  });
  expect(r.exitCode).toBe(1);
  expect(r.errors).toEqual([expect.stringMatching(/^Input 'mfa-token-code': AWS accepts a code once per MFA device, .*role\/mfa-again.*give mfa-totp-secret/)]);
  expect(s.calls().map((c) => c.params['RoleArn'])).toEqual([MFA_ROLE]); // the second hop never reached STS
  expect(r.exportedEnv).toEqual({});
});

test('a chained hop with duration 7200 is rejected before any STS call', async () => {
  const r = await s.main({
    inputs: { 'aws-region': 'us-east-1', 'role-chain': `${HUB}\n${DEPLOY} duration=7200` },
    env: s.oidcEnv,
  });
  expect(r.exitCode).toBe(1);
  expect(r.errors).toEqual([
    expect.stringMatching(/^Input 'role-chain' line 2: The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining\./),
  ]);
  expect(s.calls()).toHaveLength(0);
  expect(s.oidc.requests).toBe(0);
  expect(r.exportedEnv).toEqual({});
});

test('role-chaining: a second step starts from the credentials the first exported', async () => {
  const first = await s.main({ inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB }, env: s.oidcEnv });
  expect(first.exitCode).toBe(0);
  const second = await s.main({
    inputs: { 'aws-region': 'us-east-1', 'role-to-assume': DEPLOY, 'role-chaining': 'true', 'role-external-id': 'deploy-ext-42' },
    env: s.oidcEnv,
  });
  expect(second.errors).toEqual([]);
  const calls = s.calls();
  expect(calls).toHaveLength(2);
  expect(calls[1]!.signer?.accessKeyId).toBe(s.sts.issuedSessions()[0]!.accessKeyId);
  expect(second.exportedEnv['AWS_ACCESS_KEY_ID']).toBe(s.sts.issuedSessions()[1]!.accessKeyId);
  s.noLeaks(second);
});

test('web-identity-token-file: the file token is used (unsigned) and masked', async () => {
  const token = s.oidc.mint({ aud: 'sts.amazonaws.com' });
  const file = join(s.job.workspace, 'token.jwt');
  writeFileSync(file, `${token}\n`);
  const r = await s.main({
    inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB, 'web-identity-token-file': 'token.jwt' },
    env: s.stsEnv,
  });
  expect(r.errors).toEqual([]);
  expect(s.calls()[0]).toMatchObject({ action: 'AssumeRoleWithWebIdentity', status: 200, signer: null });
  expect(r.masks).toContain(token);
  s.noLeaks(r, [file]);
});

test('allowed-account-ids is checked before anything is exported', async () => {
  const r = await s.main({
    inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB, 'allowed-account-ids': '999999999999, 888888888888' },
    env: s.oidcEnv,
  });
  expect(r.exitCode).toBe(1);
  expect(r.errors).toEqual([expect.stringContaining('account 111111111111, which is not in the allowed list')]);
  expect(r.exportedEnv).toEqual({});
  expect(r.outputs).toEqual({});
  s.noLeaks(r);
});

test('unset-current-credentials blanks what an earlier step left when this step exports none', async () => {
  s.job.env['AWS_ACCESS_KEY_ID'] = 'AKIAEARLIERSTEP00001';
  s.job.env['AWS_SECRET_ACCESS_KEY'] = 'earlier-step-secret';
  s.job.env['AWS_SESSION_TOKEN'] = 'earlier-step-token';
  const r = await s.main({
    inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB, 'unset-current-credentials': 'true', 'output-env-credentials': 'false' },
    env: s.oidcEnv,
  });
  expect(r.errors).toEqual([]);
  expect(r.exportedEnv).toEqual({ AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '' });
  expect(r.outputs['aws-account-id']).toBe('111111111111');
});

test('mask-aws-account-id masks the account in the log', async () => {
  const r = await s.main({
    inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB, 'mask-aws-account-id': 'true' },
    env: s.oidcEnv,
  });
  expect(r.exitCode).toBe(0);
  expect(r.masks).toContain('111111111111');
  expect(r.maskedLog).not.toContain('111111111111');
  expect(r.summary).not.toContain('111111111111');
});

test('access keys alone: exported after one GetCallerIdentity', async () => {
  const r = await s.main({
    inputs: { 'aws-region': 'us-east-1', 'aws-access-key-id': USER.accessKeyId, 'aws-secret-access-key': USER.secretAccessKey },
    env: s.stsEnv,
  });
  expect(r.errors).toEqual([]);
  expect(s.calls().map((c) => c.action)).toEqual(['GetCallerIdentity']);
  expect(r.exportedEnv).toMatchObject({ AWS_ACCESS_KEY_ID: USER.accessKeyId, AWS_SECRET_ACCESS_KEY: USER.secretAccessKey });
  expect(r.outputs['aws-account-id']).toBe('111111111111');
  s.noLeaks(r);
});
