/**
 * `refresh: true`: profiles whose credential_process re-runs the chain. The bundled action writes them;
 * later "steps" are the real AWS CLI (botocore) and `sh -c <credential_process line>` (as the JS and Go
 * SDKs run it). Time passing is modelled by moving the emulator's and the OIDC stand-in's clocks two
 * hours ahead and running the helper with a preload that shifts its clock the same way (the AWS CLI
 * itself keeps the real clock; the emulator accepts signatures from both).
 */
import { exec, execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { NODE24_BIN, REPO_ROOT, findLeaks, type StepResult } from './support/harness.js';
import { startForwardProxy } from './support/forward-proxy.js';
import { awsCli, hasAwsCli, hasBotocore, peerTest } from './support/peers.js';
import { Scenario, HUB, DEPLOY, TARGET, USER, writeThreeHopConfig } from './support/scenario.js';

const FAKE_CLOCK = path.join(REPO_ROOT, '__tests__', 'fixtures', 'fake-clock.mjs');
const TWO_HOURS = 2 * 3600 * 1000;

let s: Scenario;
beforeEach(async () => {
  s = await Scenario.start();
});
afterEach(async () => {
  await s.stop();
});

/** Everything passes the time: the emulator, the OIDC stand-in, and (through `laterEnv(..., true)`) the helper. */
function twoHoursLater(): void {
  s.clockShift = () => TWO_HOURS;
  s.issuerClockShift = () => TWO_HOURS;
  s.signerClockShifts = [0, TWO_HOURS];
}

/** The environment of a later step of the job: what the action exported, plus the runner's own variables. */
function laterEnv(aged = false, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: s.job.dirs.home,
    RUNNER_TEMP: s.job.dirs.runnerTemp,
    GITHUB_WORKSPACE: s.job.dirs.workspace,
    ...s.oidcEnv,
    ...s.job.env,
    ...(aged ? { NODE_OPTIONS: `--import=${FAKE_CLOCK}`, FAKE_CLOCK_OFFSET_MS: String(TWO_HOURS) } : {}),
    ...extra,
  };
}

function configText(): string {
  return fs.readFileSync(path.join(s.job.dirs.home, '.aws', 'config'), 'utf8');
}

function credentialProcessLine(profile: string): string {
  const text = configText();
  const section = text.slice(text.indexOf(`[profile ${profile}]`));
  const line = /^credential_process = (.*)$/m.exec(section)?.[1];
  if (!line) throw new Error(`no credential_process for ${profile} in:\n${text}`);
  return line;
}

function refreshDir(): string {
  const dirs = fs.readdirSync(s.job.dirs.runnerTemp).filter((d) => d.startsWith('aws-assume-chain-'));
  expect(dirs).toHaveLength(1);
  return path.join(s.job.dirs.runnerTemp, dirs[0]!);
}

/** Run the profile's credential_process line with a shell, as the JS and Go SDKs do. */
function runLine(line: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    exec(line, { env, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

async function mainRefresh(inputs: Record<string, string>, env: Record<string, string> = s.oidcEnv): Promise<StepResult> {
  const r = await s.main({ inputs: { 'aws-region': 'us-east-1', refresh: 'true', ...inputs }, env });
  expect(r.errors).toEqual([]);
  expect(r.exitCode).toBe(0);
  return r;
}

function expectNoSecretsIn(texts: string[], secrets: string[] = s.secrets()): void {
  for (const text of texts) for (const secret of secrets) if (secret.length >= 4) expect(text.includes(secret)).toBe(false);
}

test('the step writes a refreshing profile and exports AWS_PROFILE, not keys; its private files are 0600 in a 0700 dir', async () => {
  const r = await mainRefresh({ 'role-chain': `${HUB}\n${DEPLOY} external-id=deploy-ext-42`, 'aws-profile': 'deploy' });
  expect(s.calls().map((c) => c.action)).toEqual(['AssumeRoleWithWebIdentity', 'AssumeRole']);
  expect(r.exportedEnv).toMatchObject({ AWS_PROFILE: 'deploy', AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1' });
  expect(r.exportedEnv['AWS_ACCESS_KEY_ID']).toBeUndefined();
  expect(r.exportedEnv['AWS_SECRET_ACCESS_KEY']).toBeUndefined();

  const line = credentialProcessLine('deploy');
  expect(line).toContain(path.join(REPO_ROOT, 'dist', 'refresh', 'index.js'));
  expect(line).toMatch(/ credential-process .*plan\.json deploy$/);
  expect(configText()).toMatch(/\[profile deploy\]\ncredential_process = .*\nregion = us-east-1\n/);
  // The credentials file keeps an empty section: nothing there can shadow the command.
  expect(fs.readFileSync(path.join(s.job.dirs.home, '.aws', 'credentials'), 'utf8')).toBe('[deploy]\n');

  const dir = refreshDir();
  if (process.platform !== 'win32') {
    // Modes only where the platform has them (Windows: RUNNER_TEMP's ACLs, one job per runner).
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of fs.readdirSync(dir)) expect(fs.statSync(path.join(dir, f)).mode & 0o777).toBe(0o600);
  }
  // An OIDC chain needs no secret to re-run: the plan holds none (the cache holds session keys by design).
  expectNoSecretsIn([fs.readFileSync(path.join(dir, 'plan.json'), 'utf8')]);
  s.noLeaks(r, [dir]);
});

peerTest(hasAwsCli, 'the AWS CLI')(
  'the AWS CLI uses the profile: no STS call inside the validity window, the whole chain again after the sessions expire',
  async () => {
    await mainRefresh({ 'role-chain': `${HUB}\n${DEPLOY} external-id=deploy-ext-42`, 'aws-profile': 'deploy' });
    const [, deploySession] = s.sts.issuedSessions();

    // Inside the window: the helper answers from its cache; the only STS call is the CLI's own.
    const before = s.calls().length;
    const first = await awsCli(['sts', 'get-caller-identity', '--output', 'json'], laterEnv());
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout).Arn).toBe(deploySession!.principalArn);
    const inside = s.calls().slice(before);
    expect(inside.map((c) => c.action)).toEqual(['GetCallerIdentity']);
    expect(inside[0]!.signer?.accessKeyId).toBe(deploySession!.accessKeyId);

    // Two hours on, the emulator refuses the old session; the next call re-runs the chain transparently.
    twoHoursLater();
    const tokensBefore = s.oidc.tokens.length;
    const mark = s.calls().length;
    const second = await awsCli(['sts', 'get-caller-identity', '--output', 'json'], laterEnv(true));
    expect(second.stderr).toBe('');
    expect(second.status).toBe(0);
    const rerun = s.calls().slice(mark);
    expect(rerun.map((c) => `${c.action} ${c.params['RoleArn'] ?? ''}`.trim())).toEqual([
      `AssumeRoleWithWebIdentity ${HUB}`,
      `AssumeRole ${DEPLOY}`,
      'GetCallerIdentity',
    ]);
    expect(rerun.every((c) => c.status === 200)).toBe(true);
    expect(s.oidc.tokens.length).toBe(tokensBefore + 1); // a fresh GitHub token was minted
    const fresh = s.sts.issuedSessions().at(-1)!;
    expect(rerun[2]!.signer?.accessKeyId).toBe(fresh.accessKeyId);
    expect(fresh.accessKeyId).not.toBe(deploySession!.accessKeyId);
    expectNoSecretsIn([first.stdout, first.stderr, second.stdout, second.stderr]);

    // And the old session really is expired for the emulator now.
    const { AWS_PROFILE: _profile, ...withoutProfile } = laterEnv();
    const stale = await awsCli(['sts', 'get-caller-identity'], {
      ...withoutProfile,
      AWS_ACCESS_KEY_ID: deploySession!.accessKeyId,
      AWS_SECRET_ACCESS_KEY: deploySession!.secretAccessKey,
      AWS_SESSION_TOKEN: deploySession!.sessionToken,
    });
    expect(stale.status).not.toBe(0);
    expect(stale.stderr).toMatch(/ExpiredToken/);
  },
);

test('the AWS SDK for JavaScript uses the profile too (its process provider runs the line with a shell)', async () => {
  await mainRefresh({ 'role-chain': `${HUB}\n${DEPLOY} external-id=deploy-ext-42`, 'aws-profile': 'deploy' });
  const script =
    "import('@aws-sdk/client-sts').then(async ({ STSClient, GetCallerIdentityCommand }) => " +
    'console.log((await new STSClient({}).send(new GetCallerIdentityCommand({}))).Arn))';
  const sdkCall = (env: Record<string, string>) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(NODE24_BIN, ['-e', script], { env, cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      });
    });
  const mark = s.calls().length;
  const first = await sdkCall(laterEnv());
  expect(first.stderr).toBe('');
  expect(first.stdout.trim()).toBe(s.sts.issuedSessions()[1]!.principalArn);
  expect(
    s
      .calls()
      .slice(mark)
      .map((c) => c.action),
  ).toEqual(['GetCallerIdentity']);

  twoHoursLater();
  const later = s.calls().length;
  const second = await sdkCall(laterEnv(true));
  expect(second.stderr).toBe('');
  expect(
    s
      .calls()
      .slice(later)
      .map((c) => c.action),
  ).toEqual(['AssumeRoleWithWebIdentity', 'AssumeRole', 'GetCallerIdentity']);
  expect(second.stdout.trim()).toBe(s.sts.issuedSessions().at(-1)!.principalArn);
  expectNoSecretsIn([first.stdout, second.stdout]);
});

test('concurrent callers with an expired cache make one set of STS calls and all get the same fresh credentials', async () => {
  await mainRefresh({ 'role-chain': `${HUB}\n${DEPLOY} external-id=deploy-ext-42`, 'aws-profile': 'deploy' });
  const line = credentialProcessLine('deploy');
  twoHoursLater();
  const mark = s.calls().length;
  const answers = await Promise.all(Array.from({ length: 6 }, () => runLine(line, laterEnv(true))));
  for (const a of answers) {
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
  }
  expect(
    s
      .calls()
      .slice(mark)
      .map((c) => c.action),
  ).toEqual(['AssumeRoleWithWebIdentity', 'AssumeRole']);
  const fresh = s.sts.issuedSessions().at(-1)!;
  for (const a of answers) {
    const json = JSON.parse(a.stdout) as Record<string, unknown>;
    expect(json).toEqual({
      Version: 1,
      AccessKeyId: fresh.accessKeyId,
      SecretAccessKey: fresh.secretAccessKey,
      SessionToken: fresh.sessionToken,
      Expiration: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(Date.parse(json['Expiration'] as string)).toBeGreaterThan(Date.now() + TWO_HOURS);
  }
  // One more caller inside the new window: served from the cache.
  const again = await runLine(line, laterEnv(true));
  expect(again.code).toBe(0);
  expect(s.calls().length).toBe(mark + 2);
});

test('access keys from inputs: the plan keeps them (0600) and the refresh signs with them again', async () => {
  const r = await mainRefresh(
    { 'aws-access-key-id': USER.accessKeyId, 'aws-secret-access-key': USER.secretAccessKey, 'role-to-assume': DEPLOY, 'role-external-id': 'deploy-ext-42' },
    s.stsEnv,
  );
  const name = r.outputs['profiles'] ? (JSON.parse(r.outputs['profiles']) as Array<{ profile: string }>)[0]!.profile : '';
  expect(name).toBe('222222222222-deployer');
  expect(r.exportedEnv['AWS_PROFILE']).toBe(name);
  const dir = refreshDir();
  expect(fs.readFileSync(path.join(dir, 'plan.json'), 'utf8')).toContain(USER.secretAccessKey);

  twoHoursLater();
  const mark = s.calls().length;
  const a = await runLine(credentialProcessLine(name), laterEnv(true));
  expect(a.stderr).toBe('');
  expect(a.code).toBe(0);
  const calls = s.calls().slice(mark);
  expect(calls.map((c) => c.action)).toEqual(['AssumeRole']);
  expect(calls[0]!.signer).toMatchObject({ accessKeyId: USER.accessKeyId, verified: true });
  expect(calls[0]!.params['ExternalId']).toBe('deploy-ext-42');
  s.noLeaks(r, [dir]);
});

test('the refresh goes through the proxy the step was given', async () => {
  const proxy = await startForwardProxy();
  try {
    await mainRefresh({ 'role-chain': `${HUB}\n${DEPLOY} external-id=deploy-ext-42`, 'aws-profile': 'deploy', 'http-proxy': proxy.url });
    expect(proxy.requests).toHaveLength(3); // token, two hops
    twoHoursLater();
    const a = await runLine(credentialProcessLine('deploy'), laterEnv(true));
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(proxy.requests.slice(3).map((r) => r.line.split(' ')[0])).toEqual(['GET', 'POST', 'POST']);
  } finally {
    await proxy.close();
  }
});

test('a refresh that fails says why in one stderr line, with no secret and no stack', async () => {
  await mainRefresh({ 'role-chain': `${HUB}\n${DEPLOY} external-id=deploy-ext-42`, 'aws-profile': 'deploy' });
  const line = credentialProcessLine('deploy');
  twoHoursLater();
  // A later step without the token request variables cannot mint a new GitHub token.
  const env = laterEnv(true);
  delete env['ACTIONS_ID_TOKEN_REQUEST_URL'];
  delete env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
  const a = await runLine(line, env);
  expect(a.code).toBe(1);
  expect(a.stdout).toBe('');
  expect(a.stderr).toMatch(/^aws-assume-chain credential-process: Could not get a GitHub OIDC token .*ACTIONS_ID_TOKEN_REQUEST_URL is not set.*\n$/);
  expect(a.stderr.split('\n')).toHaveLength(2);
  expectNoSecretsIn([a.stderr]);
});

test('the post step removes the profile and the helper files; the command then says the profile is gone', async () => {
  await mainRefresh({ 'role-to-assume': HUB, 'aws-profile': 'hub' });
  const line = credentialProcessLine('hub');
  const dir = refreshDir();
  const post = await s.post();
  expect(post.errors).toEqual([]);
  expect(fs.existsSync(dir)).toBe(false);
  expect(fs.existsSync(path.join(s.job.dirs.home, '.aws', 'config'))).toBe(false);
  const a = await runLine(line, laterEnv());
  expect(a.code).toBe(1);
  expect(a.stderr).toMatch(/^aws-assume-chain credential-process: .*plan\.json is gone: profile "hub" can refresh only during the job whose step wrote it\n$/);
});

/** botocore in a later step, calling STS at an explicit endpoint (its environment names none). */
function botocoreCall(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const script =
    'import sys, botocore.session; s = botocore.session.Session(); print(s.create_client("sts", endpoint_url=sys.argv[1]).get_caller_identity()["Arn"])';
  return new Promise((resolve) => {
    exec(`python3 -c '${script}' ${s.sts.url}`, { env, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

peerTest(hasBotocore, 'python botocore')('config mode: a checked-in profile chain refreshes for botocore, at the STS the step used', async () => {
  const r = await s.main({
    inputs: { 'config-file': writeThreeHopConfig(s.job.workspace), profile: 'target', refresh: 'true', 'aws-profile': 'target-live' },
    env: s.oidcEnv,
  });
  expect(r.errors).toEqual([]);
  expect(r.exportedEnv).toMatchObject({ AWS_PROFILE: 'target-live', AWS_REGION: 'eu-west-1' });
  expect(configText()).toMatch(/\[profile target-live\]\ncredential_process = .*\nregion = eu-west-1\n/);

  // The later step's environment has no AWS_ENDPOINT_URL_STS: the helper still uses the step's STS.
  const { AWS_ENDPOINT_URL_STS: _unused, ...env } = laterEnv();
  const first = await botocoreCall(env);
  expect(first.stderr).toBe('');
  expect(first.stdout.trim()).toBe(s.sts.issuedSessions().at(-1)!.principalArn);
  const mark = s.calls().length;
  twoHoursLater();
  const { AWS_ENDPOINT_URL_STS: _unused2, ...agedEnv } = laterEnv(true);
  const second = await botocoreCall(agedEnv);
  expect(second.stderr).toBe('');
  expect(
    s
      .calls()
      .slice(mark)
      .map((c) => `${c.action} ${c.params['RoleArn'] ?? ''}`.trim()),
  ).toEqual([`AssumeRoleWithWebIdentity ${HUB}`, `AssumeRole ${DEPLOY}`, `AssumeRole ${TARGET}`, 'GetCallerIdentity']);
  expect(second.stdout.trim()).toBe(s.sts.issuedSessions().at(-1)!.principalArn);
  s.noLeaks(r, [refreshDir()]);
});

describe('chains that cannot be re-run are refused before any STS call', () => {
  test.each([
    ['credentials from the environment', { 'role-chaining': 'true', 'role-to-assume': DEPLOY }, /Input 'refresh'.*starts from credentials in the environment/],
    [
      'a one-time MFA code',
      {
        'aws-access-key-id': USER.accessKeyId,
        'aws-secret-access-key': USER.secretAccessKey,
        'role-to-assume': DEPLOY,
        'mfa-serial': 'arn:aws:iam::111111111111:mfa/ci',
        'mfa-token-code': '123456',
      },
      /Input 'refresh'.*mfa-totp-secret/,
    ],
    ['write-profiles: false', { 'role-to-assume': HUB, 'write-profiles': 'false' }, /Input 'write-profiles': cannot be false with refresh: true/],
  ])('%s', async (_what, inputs, message) => {
    const r = await s.main({
      inputs: { 'aws-region': 'us-east-1', refresh: 'true', ...inputs },
      env: { ...s.oidcEnv, AWS_ACCESS_KEY_ID: USER.accessKeyId, AWS_SECRET_ACCESS_KEY: USER.secretAccessKey },
    });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(message);
    expect(s.calls()).toHaveLength(0);
    expect(r.exportedEnv).toEqual({});
    expect(findLeaks(r, s.secrets())).toEqual([]);
  });
});
