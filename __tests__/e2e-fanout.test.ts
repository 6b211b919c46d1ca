/** Fan-out to many roles, profile files read by real AWS clients, post-step cleanup and the job summary. */
import { lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Scenario, HUB, memberRole } from './support/scenario.js';
import { awsCli, botocoreIdentities, hasAwsCli, hasBotocore, peerTest } from './support/peers.js';

let s: Scenario;
afterEach(async () => {
  await s.stop();
});

const fanOut = (n: number, from = 1) => Array.from({ length: n }, (_, i) => memberRole(from + i)).join('\n');

function clientEnv(s: Scenario): Record<string, string> {
  return { ...s.job.env, HOME: s.job.home, AWS_ENDPOINT_URL_STS: s.sts.url, AWS_EC2_METADATA_DISABLED: 'true' };
}

describe('fan-out to 50 member roles through one hub', () => {
  beforeEach(async () => {
    s = await Scenario.start({ members: 50 });
  });

  test('the hub is assumed once, each member once, and 50 profiles are written', async () => {
    const r = await s.main({
      inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'fan-out-roles': fanOut(50), 'profile-name-template': 'audit-{account}' },
      env: s.oidcEnv,
    });
    expect(r.errors).toEqual([]);
    expect(s.calls('AssumeRoleWithWebIdentity')).toHaveLength(1);
    const members = s.calls('AssumeRole');
    expect(members).toHaveLength(50);
    const hubKey = s.sts.issuedSessions()[0]!.accessKeyId;
    expect(new Set(members.map((c) => c.signer?.accessKeyId))).toEqual(new Set([hubKey]));

    const profiles = JSON.parse(r.outputs['profiles']!) as Array<Record<string, string>>;
    expect(profiles).toHaveLength(50);
    expect(profiles[0]).toEqual({
      profile: 'audit-400000000001',
      accountId: '400000000001',
      roleArn: memberRole(1),
      expiration: expect.stringMatching(/Z$/),
    });
    const credentialsFile = join(s.job.home, '.aws', 'credentials');
    const configFile = join(s.job.home, '.aws', 'config');
    if (process.platform !== 'win32') {
      // Modes only where the platform has them (Windows: ACLs of the user's profile).
      expect(lstatSync(credentialsFile).mode & 0o777).toBe(0o600);
      expect(lstatSync(join(s.job.home, '.aws')).mode & 0o777).toBe(0o700);
    }
    expect(readFileSync(configFile, 'utf8')).toContain('[profile audit-400000000050]\nregion = eu-west-1');
    // The first target is in the environment, with the region (issue 15: the same default in every mode).
    expect(r.exportedEnv['AWS_ACCESS_KEY_ID']).toBe(s.sts.issuedSessions().find((x) => x.roleArn === memberRole(1))!.accessKeyId);
    expect(r.exportedEnv['AWS_REGION']).toBe('eu-west-1');
    expect(r.summary.match(/^### audit-/gm)).toHaveLength(50);
    s.noLeaks(r, [credentialsFile]);
  });

  peerTest(hasBotocore, 'python botocore')('botocore reads all 50 profiles and reports the member identities', async () => {
    const r = await s.main({
      inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'fan-out-roles': fanOut(50), 'profile-name-template': 'audit-{index}' },
      env: s.oidcEnv,
    });
    expect(r.exitCode).toBe(0);
    const names = Array.from({ length: 50 }, (_, i) => `audit-${i + 1}`);
    const ids = await botocoreIdentities(names, clientEnv(s));
    for (const [i, name] of names.entries()) {
      expect(ids[name]).toMatch(new RegExp(`^arn:aws:sts::${400000000001 + i}:assumed-role/audit/GitHubActions`));
    }
  });

  peerTest(hasAwsCli, 'the AWS CLI')(
    '`aws sts get-caller-identity --profile X` works for all 50 profiles in a later step',
    async () => {
      const r = await s.main({
        inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'fan-out-roles': fanOut(50), 'profile-name-template': 'm{index}' },
        env: s.oidcEnv,
      });
      expect(r.exitCode).toBe(0);
      const profiles = Array.from({ length: 50 }, (_, i) => i + 1);
      const accounts: Record<number, string> = {};
      // A few CLI processes at a time: each is a python start-up.
      for (let i = 0; i < profiles.length; i += 5) {
        await Promise.all(
          profiles.slice(i, i + 5).map(async (n) => {
            const out = await awsCli(['sts', 'get-caller-identity', '--profile', `m${n}`, '--output', 'json'], clientEnv(s));
            expect([n, out.status, out.stderr]).toEqual([n, 0, '']);
            accounts[n] = (JSON.parse(out.stdout) as { Account: string }).Account;
          }),
        );
      }
      expect(profiles.map((n) => accounts[n])).toEqual(profiles.map((n) => String(400000000000 + n)));
      // Fifty python start-ups: minutes on a loaded 2-core machine, so this test has its own limit.
    },
    300_000,
  );
});

describe('profile files, env choice and cleanup', () => {
  beforeEach(async () => {
    s = await Scenario.start({ members: 4 });
  });

  test('post step leaves a pre-existing credentials file byte-identical apart from the removed sections', async () => {
    const dir = join(s.job.home, '.aws');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const before = '# team profiles\n[personal]\naws_access_key_id = AKIAPERSONAL000000001\naws_secret_access_key = personalsecret\n\n; trailing comment\n';
    const configBefore = '[profile personal]\nregion = us-west-2  ; kept as is\n';
    writeFileSync(join(dir, 'credentials'), before, { mode: 0o600 });
    writeFileSync(join(dir, 'config'), configBefore, { mode: 0o600 });

    const main = await s.main({
      inputs: {
        'aws-region': 'eu-west-1',
        'role-to-assume': HUB,
        'fan-out-roles': fanOut(2),
        'env-profile': '400000000002-audit',
        'export-aws-profile': 'true',
        'output-env-credentials': 'true',
      },
      env: s.oidcEnv,
    });
    expect(main.errors).toEqual([]);
    const during = readFileSync(join(dir, 'credentials'), 'utf8');
    expect(during.startsWith(before)).toBe(true);
    expect(during).toContain('[400000000001-audit]');
    expect(main.exportedEnv['AWS_PROFILE']).toBe('400000000002-audit');
    const member2 = s.sts.issuedSessions().find((x) => x.principalArn.includes('400000000002'))!;
    expect(main.exportedEnv['AWS_ACCESS_KEY_ID']).toBe(member2.accessKeyId);

    const post = await s.post({ env: s.oidcEnv });
    expect(post.errors).toEqual([]);
    expect(readFileSync(join(dir, 'credentials'), 'utf8')).toBe(before);
    expect(readFileSync(join(dir, 'config'), 'utf8')).toBe(configBefore);
    expect(post.exportedEnv['AWS_PROFILE']).toBe('');
    expect(post.exportedEnv['AWS_ACCESS_KEY_ID']).toBe('');
    s.noLeaks(post);
  });

  test('aws-profile (configure-aws-credentials style): one named profile, AWS_PROFILE exported, no keys in env', async () => {
    const r = await s.main({ inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'aws-profile': 'ci-hub' }, env: s.oidcEnv });
    expect(r.errors).toEqual([]);
    // The region is exported whenever it is known (issue 15); the keys stay in the profile.
    expect(r.exportedEnv).toEqual({ AWS_PROFILE: 'ci-hub', AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-1' });
    const credentials = readFileSync(join(s.job.home, '.aws', 'credentials'), 'utf8');
    expect(credentials).toContain(`[ci-hub]\naws_access_key_id = ${s.sts.issuedSessions()[0]!.accessKeyId}`);
    expect(readFileSync(join(s.job.home, '.aws', 'config'), 'utf8')).toBe('[profile ci-hub]\nregion = eu-west-1\n');
    s.noLeaks(r, [join(s.job.home, '.aws', 'credentials')]);
  });

  test('the region comes from AWS_REGION in the environment when the input is empty', async () => {
    const r = await s.main({ inputs: { 'role-to-assume': HUB }, env: { ...s.oidcEnv, AWS_REGION: 'ca-central-1' } });
    expect(r.errors).toEqual([]);
    expect(r.exportedEnv['AWS_DEFAULT_REGION']).toBe('ca-central-1');
  });

  test('cleanup: false leaves the profiles in place', async () => {
    const main = await s.main({
      inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'fan-out-roles': fanOut(1), cleanup: 'false' },
      env: s.oidcEnv,
    });
    expect(main.exitCode).toBe(0);
    await s.post({ env: s.oidcEnv, inputs: { cleanup: 'false' } });
    expect(readFileSync(join(s.job.home, '.aws', 'credentials'), 'utf8')).toContain('[400000000001-audit]');
  });

  test('two steps writing different profiles to the same files both survive; an existing name is refused', async () => {
    const a = await s.main({ inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'fan-out-roles': fanOut(1, 1) }, env: s.oidcEnv });
    const b = await s.main({ inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'fan-out-roles': fanOut(1, 2) }, env: s.oidcEnv });
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    const text = readFileSync(join(s.job.home, '.aws', 'credentials'), 'utf8');
    expect(text).toContain('[400000000001-audit]');
    expect(text).toContain('[400000000002-audit]');
    const again = await s.main({ inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'fan-out-roles': fanOut(1, 2) }, env: s.oidcEnv });
    expect(again.exitCode).toBe(1);
    expect(again.errors[0]).toMatch(/^Refusing to replace existing AWS profiles: profile '400000000002-audit' in the shared credentials file/);
    expect(again.errors[0]).toMatch(/overwrite-profiles/);
    expect(again.exportedEnv).toEqual({});
    expect(readFileSync(join(s.job.home, '.aws', 'credentials'), 'utf8')).toBe(text);
    const over = await s.main({
      inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'fan-out-roles': fanOut(1, 2), 'overwrite-profiles': 'true' },
      env: s.oidcEnv,
    });
    expect(over.errors).toEqual([]);
  });

  test('a symlinked credentials file is refused, nothing written or exported', async () => {
    const real = join(s.job.root, 'elsewhere');
    writeFileSync(real, '[keep]\n');
    const target = join(s.job.workspace, 'creds');
    symlinkSync(real, target);
    const r = await s.main({
      inputs: {
        'aws-region': 'eu-west-1',
        'role-to-assume': HUB,
        'fan-out-roles': fanOut(1),
        'profiles-credentials-file': target,
        'profiles-config-file': join(s.job.workspace, 'config'),
      },
      env: s.oidcEnv,
    });
    expect(r.exitCode).toBe(1);
    expect(r.errors[0]).toContain(target);
    expect(r.errors[0]).toMatch(/symbolic link/i);
    expect(readFileSync(real, 'utf8')).toBe('[keep]\n');
    expect(r.exportedEnv).toEqual({});
    s.noLeaks(r);
  });

  test('given profile paths are exported for later steps', async () => {
    const creds = join(s.job.workspace, '.aws-ci', 'credentials');
    const config = join(s.job.workspace, '.aws-ci', 'config');
    const r = await s.main({
      inputs: {
        'aws-region': 'eu-west-1',
        'role-to-assume': HUB,
        'fan-out-roles': fanOut(2),
        'profiles-credentials-file': creds,
        'profiles-config-file': config,
      },
      env: s.oidcEnv,
    });
    expect(r.errors).toEqual([]);
    expect(r.exportedEnv).toMatchObject({ AWS_SHARED_CREDENTIALS_FILE: creds, AWS_CONFIG_FILE: config });
    s.noLeaks(r, [creds]);
  });

  test('a failed target is named; by default the step fails after finishing the others and exports nothing', async () => {
    s.sts.setFault(memberRole(2), { code: 'AccessDenied', count: -1 });
    const r = await s.main({ inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'fan-out-roles': fanOut(3) }, env: s.oidcEnv });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^1 of 3 targets failed; nothing was exported\. 400000000002-audit: /);
    expect(s.calls('AssumeRole').map((c) => c.params['RoleArn'])).toEqual(expect.arrayContaining([memberRole(1), memberRole(3)]));
    expect(r.exportedEnv).toEqual({});
    s.noLeaks(r);
  });

  test('fail-on-target-error: false exports the others and warns about the failed one', async () => {
    s.sts.setFault(memberRole(2), { code: 'AccessDenied', count: -1 });
    const r = await s.main({
      inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'fan-out-roles': fanOut(3), 'fail-on-target-error': 'false' },
      env: s.oidcEnv,
    });
    expect(r.exitCode).toBe(0);
    expect(r.warnings).toEqual([expect.stringMatching(/^Target failed: 400000000002-audit: /)]);
    const profiles = (JSON.parse(r.outputs['profiles']!) as Array<{ profile: string }>).map((p) => p.profile);
    expect(profiles).toEqual(['400000000001-audit', '400000000003-audit']);
    expect(r.summary).toContain('### 400000000002-audit — failed');
    s.noLeaks(r, [join(s.job.home, '.aws', 'credentials')]);
  });
});
