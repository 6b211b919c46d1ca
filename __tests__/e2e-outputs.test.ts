/**
 * What a user finds after the step (issue 15): profiles written whenever the plan has several targets
 * (a config glob included), the region exported whenever it is known, the first target in the
 * environment, no region needed when no STS call needs one, every input checked before the first STS
 * call (with the closest names on a typo), and configure-aws-credentials' remaining inputs and hints.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Scenario, HUB, KEYS_TO_DEPLOY, USER, memberRole } from './support/scenario.js';
import { awsCli, botocoreIdentities, hasAwsCli, hasBotocore, peerTest } from './support/peers.js';
import type { WorldOidcTrust } from './support/world.js';

let s: Scenario;
afterEach(async () => {
  await s.stop();
});

const REGION_VARS = ['AWS_REGION', 'AWS_DEFAULT_REGION'];
const pad = (n: number) => String(n).padStart(2, '0');
const fanOut = (n: number) => Array.from({ length: n }, (_, i) => memberRole(i + 1)).join('\n');

/** A checked-in config: a web-identity root (its token file absent in CI) and `count` member profiles. */
function writeConfig(workspace: string, text: string): string {
  mkdirSync(join(workspace, '.github', 'aws'), { recursive: true });
  writeFileSync(join(workspace, '.github', 'aws', 'config'), text);
  return '.github/aws/config';
}

function auditConfig(count: number): string {
  const members = Array.from({ length: count }, (_, i) => `[profile audit-${pad(i + 1)}]\nrole_arn = ${memberRole(i + 1)}\nsource_profile = ci\n`);
  return `[profile ci]\nweb_identity_token_file = /var/run/not-in-ci/token\nrole_arn = ${HUB}\nregion = eu-west-1\n\n${members.join('\n')}`;
}

/** Sections named in an INI file's text, in order. */
const sections = (text: string) => [...text.matchAll(/^\[(?:profile )?([^\]]+)\]$/gm)].map((m) => m[1]);

describe('a config glob over 50 profiles', () => {
  beforeEach(async () => {
    s = await Scenario.start({ members: 50 });
  });

  peerTest(hasAwsCli, 'the AWS CLI')(
    'writes all 50 profiles with no write-profiles input, and the AWS CLI reads --profile for them',
    async () => {
      const configFile = writeConfig(s.job.workspace, auditConfig(50));
      // The members take their region from the input: botocore ignores a source profile's region.
      const r = await s.main({ inputs: { 'config-file': configFile, profile: 'audit-*', 'aws-region': 'eu-west-1' }, env: s.oidcEnv });
      expect(r.errors).toEqual([]);
      expect(r.exitCode).toBe(0);
      expect(s.calls('AssumeRoleWithWebIdentity')).toHaveLength(1);
      expect(s.calls('AssumeRole')).toHaveLength(50);

      const names = Array.from({ length: 50 }, (_, i) => `audit-${pad(i + 1)}`);
      const written = readFileSync(join(s.job.home, '.aws', 'config'), 'utf8');
      expect(sections(written)).toEqual(names);
      expect(sections(readFileSync(join(s.job.home, '.aws', 'credentials'), 'utf8'))).toEqual(names);
      expect(written).toContain('[profile audit-50]\nregion = eu-west-1');
      // The first target is in the environment, and the region with it.
      expect(r.exportedEnv['AWS_REGION']).toBe('eu-west-1');
      expect(r.exportedEnv['AWS_DEFAULT_REGION']).toBe('eu-west-1');
      const first = s.sts.issuedSessions().find((x) => x.roleArn === memberRole(1))!;
      expect(r.exportedEnv['AWS_ACCESS_KEY_ID']).toBe(first.accessKeyId);
      expect(r.masks).toEqual(expect.arrayContaining([first.secretAccessKey, first.sessionToken]));

      // A later step: the AWS CLI with --profile (which wins over keys in the environment).
      const env = { ...s.job.env, HOME: s.job.home, AWS_ENDPOINT_URL_STS: s.sts.url, AWS_EC2_METADATA_DISABLED: 'true' };
      for (const n of [1, 27, 50]) {
        const out = await awsCli(['sts', 'get-caller-identity', '--profile', `audit-${pad(n)}`, '--output', 'json'], env);
        expect([n, out.status, out.stderr]).toEqual([n, 0, '']);
        expect((JSON.parse(out.stdout) as { Account: string }).Account).toBe(String(400000000000 + n));
      }
      // Every one of the 50, through botocore (the AWS CLI's library) in one process: each profile is its member.
      if (hasBotocore) {
        const arns = await botocoreIdentities(names, env);
        expect(names.map((name) => arns[name]!.split(':')[4])).toEqual(names.map((_, i) => String(400000000001 + i)));
      }
      s.noLeaks(r, [join(s.job.home, '.aws', 'credentials')]);
    },
    300_000,
  );

  test('write-profiles: false still turns the default off, and aws-profile with a glob of several is refused before any call', async () => {
    const configFile = writeConfig(s.job.workspace, auditConfig(3));
    const off = await s.main({
      inputs: { 'config-file': configFile, profile: 'audit-*', 'aws-region': 'eu-west-1', 'write-profiles': 'false' },
      env: s.oidcEnv,
    });
    expect(off.errors).toEqual([]);
    expect(() => readFileSync(join(s.job.home, '.aws', 'config'), 'utf8')).toThrow(/ENOENT/);
    expect(off.exportedEnv['AWS_REGION']).toBe('eu-west-1');
    expect(off.exportedEnv['AWS_ACCESS_KEY_ID']).toBe(s.sts.issuedSessions().find((x) => x.roleArn === memberRole(1))!.accessKeyId);
    s.noLeaks(off);

    s.sts.clearCalls();
    const refused = await s.main({
      inputs: { 'config-file': configFile, profile: 'audit-*', 'aws-region': 'eu-west-1', 'aws-profile': 'one' },
      env: s.oidcEnv,
    });
    expect(refused.errors).toEqual([
      "Input 'aws-profile': names one profile, but 'profile' selects 3 (audit-01, audit-02, audit-03); each is written under its own name",
    ]);
    expect(s.calls()).toHaveLength(0);
  });
});

describe('no region needed when nothing needs one', () => {
  beforeEach(async () => {
    s = await Scenario.start();
  });

  const KEYS_CONFIG = `[profile keys]\naws_access_key_id = ${USER.accessKeyId}\naws_secret_access_key = ${USER.secretAccessKey}\n`;

  test('a static-key profile with no region anywhere exports its keys and nothing region-shaped', async () => {
    const configFile = writeConfig(s.job.workspace, KEYS_CONFIG);
    const r = await s.main({ inputs: { 'config-file': configFile, profile: 'keys' }, env: s.stsEnv });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.exportedEnv['AWS_ACCESS_KEY_ID']).toBe(USER.accessKeyId);
    expect(r.exportedEnv['AWS_SECRET_ACCESS_KEY']).toBe(USER.secretAccessKey);
    for (const name of REGION_VARS) expect(r.exportedEnv).not.toHaveProperty(name);
    expect(r.masks).toEqual(expect.arrayContaining([USER.secretAccessKey]));
    // The account (aws-account-id) is looked up once, signed for us-east-1, and the log says so.
    const lookups = s.calls('GetCallerIdentity');
    expect(lookups.map((c) => c.signer?.region)).toEqual(['us-east-1']);
    expect(r.outputs['aws-account-id']).toBe('111111111111');
    expect(r.stdout).toMatch(/^No region is set \(none is needed for "keys"\): its account is looked up at http:\/\/127\.0\.0\.1:\d+, signed for us-east-1$/m);
    expect(r.maskedLog).not.toMatch(/NoRegionError|You must specify a region/);
    s.noLeaks(r, [join(s.job.workspace, '.github')]);
  });

  test('written as a profile: no `region =` line, AWS_PROFILE names it, still no region exported', async () => {
    const configFile = writeConfig(s.job.workspace, KEYS_CONFIG);
    const r = await s.main({ inputs: { 'config-file': configFile, profile: 'keys', 'aws-profile': 'copied' }, env: s.stsEnv });
    expect(r.errors).toEqual([]);
    expect(readFileSync(join(s.job.home, '.aws', 'config'), 'utf8')).toBe('[profile copied]\n');
    expect(readFileSync(join(s.job.home, '.aws', 'credentials'), 'utf8')).toContain(`[copied]\naws_access_key_id = ${USER.accessKeyId}\n`);
    expect(r.exportedEnv['AWS_PROFILE']).toBe('copied');
    for (const name of [...REGION_VARS, 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) expect(r.exportedEnv).not.toHaveProperty(name);
    s.noLeaks(r, [join(s.job.workspace, '.github'), join(s.job.home, '.aws', 'credentials')]);
  });

  test('input mode: access keys and no role need no region; a role still does (the error names aws-region)', async () => {
    const keys = { 'aws-access-key-id': USER.accessKeyId, 'aws-secret-access-key': USER.secretAccessKey };
    const r = await s.main({ inputs: keys, env: s.stsEnv });
    expect(r.errors).toEqual([]);
    expect(r.exportedEnv['AWS_ACCESS_KEY_ID']).toBe(USER.accessKeyId);
    for (const name of REGION_VARS) expect(r.exportedEnv).not.toHaveProperty(name);
    expect(s.calls('GetCallerIdentity')).toHaveLength(1);
    s.noLeaks(r);

    s.sts.clearCalls();
    const withRole = await s.main({ inputs: { ...keys, 'role-to-assume': HUB }, env: s.stsEnv });
    expect(withRole.errors).toEqual(["Input 'aws-region': is required for the STS calls and was not supplied (nor is AWS_REGION or AWS_DEFAULT_REGION set)"]);
    expect(s.calls()).toHaveLength(0);
    s.noLeaks(withRole);
  });

  test('a profile that assumes a role still needs one: NoRegionError names the profile and aws-region, before any call', async () => {
    const configFile = writeConfig(s.job.workspace, `${KEYS_CONFIG}\n[profile role]\nrole_arn = ${HUB}\nsource_profile = keys\n`);
    const r = await s.main({ inputs: { 'config-file': configFile, profile: 'role' }, env: s.stsEnv });
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^NoRegionError: You must specify a region\. Set region in profile "role" or the aws-region input\./);
    expect(s.calls()).toHaveLength(0);
    s.noLeaks(r, [join(s.job.workspace, '.github')]);
  });
});

describe('fan-out leaves the region and the first target in the environment', () => {
  beforeEach(async () => {
    s = await Scenario.start({ members: 5 });
  });

  test('input fan-out to 5: AWS_REGION and the first target’s keys; 5 profiles written', async () => {
    const r = await s.main({ inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'fan-out-roles': fanOut(5) }, env: s.oidcEnv });
    expect(r.errors).toEqual([]);
    expect(r.exportedEnv['AWS_REGION']).toBe('eu-west-1');
    expect(r.exportedEnv['AWS_DEFAULT_REGION']).toBe('eu-west-1');
    const first = s.sts.issuedSessions().find((x) => x.roleArn === memberRole(1))!;
    expect(r.exportedEnv['AWS_ACCESS_KEY_ID']).toBe(first.accessKeyId);
    expect(r.exportedEnv['AWS_SESSION_TOKEN']).toBe(first.sessionToken);
    expect(r.exportedEnv).not.toHaveProperty('AWS_PROFILE');
    expect(sections(readFileSync(join(s.job.home, '.aws', 'config'), 'utf8'))).toHaveLength(5);
    expect(r.outputs['aws-account-id']).toBe('400000000001');
    s.noLeaks(r, [join(s.job.home, '.aws', 'credentials')]);
  });

  test('env-profile: none exports the region and no credentials', async () => {
    const r = await s.main({
      inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'fan-out-roles': fanOut(5), 'env-profile': 'none' },
      env: s.oidcEnv,
    });
    expect(r.errors).toEqual([]);
    expect(r.exportedEnv['AWS_REGION']).toBe('eu-west-1');
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) expect(r.exportedEnv).not.toHaveProperty(name);
    s.noLeaks(r, [join(s.job.home, '.aws', 'credentials')]);
  });

  test('output-env-credentials: false leaves the environment alone, region included (as configure-aws-credentials)', async () => {
    const r = await s.main({
      inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'fan-out-roles': fanOut(2), 'output-env-credentials': 'false' },
      env: s.oidcEnv,
    });
    expect(r.errors).toEqual([]);
    for (const name of [...REGION_VARS, 'AWS_ACCESS_KEY_ID']) expect(r.exportedEnv).not.toHaveProperty(name);
    expect(sections(readFileSync(join(s.job.home, '.aws', 'config'), 'utf8'))).toHaveLength(2);
  });
});

describe('every input is checked before the first STS call; typos get the closest names', () => {
  beforeEach(async () => {
    s = await Scenario.start({ members: 3 });
  });

  test('input mode: an env-profile typo makes no STS call and no token request', async () => {
    const r = await s.main({
      inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'fan-out-roles': fanOut(3), 'env-profile': '400000000002-audti' },
      env: s.oidcEnv,
    });
    expect(r.errors).toEqual([
      `Input 'env-profile': no target named "400000000002-audti" (targets: 400000000001-audit, 400000000002-audit, 400000000003-audit, or none); did you mean 400000000002-audit?`,
    ]);
    expect(s.calls()).toHaveLength(0);
    expect(s.oidc.tokens).toHaveLength(0);
    expect(r.exportedEnv).toEqual({});
  });

  test('config mode: an env-profile typo and a profile typo make no STS call; both name the closest profiles', async () => {
    const configFile = writeConfig(
      s.job.workspace,
      `${auditConfig(3)}\n[profile deploy]\nrole_arn = ${HUB}\nsource_profile = ci\n\n[profile deploy-eu]\nrole_arn = ${HUB}\nsource_profile = ci\n`,
    );
    const env = await s.main({
      inputs: { 'config-file': configFile, profile: 'audit-*', 'aws-region': 'eu-west-1', 'env-profile': 'audti-02' },
      env: s.oidcEnv,
    });
    expect(env.errors).toEqual([`Input 'env-profile': no target named "audti-02" (targets: audit-01, audit-02, audit-03, or none); did you mean audit-02?`]);
    const typo = await s.main({ inputs: { 'config-file': configFile, profile: 'deplyo', 'aws-region': 'eu-west-1' }, env: s.oidcEnv });
    expect(typo.errors).toEqual([`ProfileNotFound: The config profile (deplyo) could not be found (did you mean deploy?) [${configFile}]`]);
    expect(s.calls()).toHaveLength(0);
    expect(s.oidc.tokens).toHaveLength(0);
  });
});

describe("configure-aws-credentials' remaining inputs and hints", () => {
  beforeEach(async () => {
    s = await Scenario.start();
  });

  test('special-characters-workaround is accepted with one notice saying why it is not needed', async () => {
    const r = await s.main({ inputs: { ...KEYS_TO_DEPLOY, 'special-characters-workaround': 'true' }, env: s.stsEnv });
    expect(r.errors).toEqual([]);
    expect(r.notices).toEqual([expect.stringMatching(/^special-characters-workaround is not needed .*heredoc file commands/)]);
    expect(s.calls('AssumeRole')).toHaveLength(1);
    s.noLeaks(r);
    const bad = await s.main({ inputs: { ...KEYS_TO_DEPLOY, 'special-characters-workaround': 'yes' }, env: s.stsEnv });
    expect(bad.errors).toEqual([`Input 'special-characters-workaround': must be true or false, got "yes"`]);
  });

  test('PackedPolicyTooLarge: the hint names the tags and policy sizes sent and suggests role-skip-session-tagging', async () => {
    const tags = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`team${i}`, 'x'.repeat(250)]));
    const r = await s.main({ inputs: { ...KEYS_TO_DEPLOY, 'custom-tags': JSON.stringify(tags) }, env: s.stsEnv });
    expect(r.errors).toHaveLength(1);
    const message = r.errors[0]!;
    expect(message).toMatch(/PackedPolicyTooLarge/);
    // The tags the hop sent (the default ones plus the 10 custom ones), no inline policy, no managed ARNs.
    const sent = Object.keys(s.calls('AssumeRole')[0]!.params).filter((k) => /^Tags\.member\.\d+\.Key$/.test(k)).length;
    expect(sent).toBeGreaterThan(10);
    expect(message).toContain(`${sent} session tag(s), no inline session policy, 0 managed session policy ARN(s). Set role-skip-session-tagging: true`);
    s.noLeaks(r);
  });

  test('AccessDenied on the GitHub token: the hint gives the immutable form of sub when the trust policy may use it', async () => {
    const hub = s.sts.world.roles.find((role) => role.arn === HUB)!;
    const oidc = hub.trust.oidc as WorldOidcTrust;
    hub.trust.oidc = { ...oidc, subject: 'repo:octo-org@65432100/octo-repo@12345678:*' };
    const r = await s.main({ inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB }, env: s.oidcEnv });
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/AccessDenied/);
    expect(r.errors[0]).toMatch(
      /This token's sub is GitHub's by-name form; a trust policy written for the other form \(repo:octo-org@65432100\/octo-repo@12345678:ref:refs\/heads\/main\)/,
    );
    s.noLeaks(r);
  });
});
