/**
 * The post step acts only on what it can verify (issue 13 items 3 and 4), through the bundled dist/:
 * forged, garbled and tampered states touch nothing and give one warning; two jobs sharing a HOME do
 * not remove each other's profiles; an overwritten profile comes back; a 1 000-target fan-out's state
 * stays small, so its post step starts and removes all 1 000 profiles.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Scenario, HUB, DEPLOY, memberRole } from './support/scenario.js';
import { NODE24_BIN, type PostOptions, type StepResult } from './support/harness.js';

let s: Scenario;
afterEach(async () => {
  await s.stop();
});

/** The post step of a given main step (Scenario.post runs the last one's). */
const postOf = (opts: PostOptions) => s.job.runPost({ node: NODE24_BIN, ...opts });
const privateDirs = () =>
  readdirSync(s.job.runnerTemp)
    .filter((n) => n.startsWith('aws-assume-chain-'))
    .sort();
const fp = (v: string) => createHash('sha256').update(v).digest('hex').slice(0, 32);
const forgedMain = (state: string) => ({ inputs: {}, state: { cleanup: state } }) as unknown as StepResult;
const USER_CREDENTIALS = '[user]\naws_access_key_id = AKIAUSERORIGINAL0001\naws_secret_access_key = user-secret-value\n';
const USER_CONFIG = '[profile user]\nregion = us-east-2\n';

describe('a state the post step cannot verify', () => {
  let aws: string;
  let decoy: string;
  beforeEach(async () => {
    s = await Scenario.start();
    aws = join(s.job.home, '.aws');
    mkdirSync(aws, { mode: 0o700 });
    writeFileSync(join(aws, 'credentials'), USER_CREDENTIALS, { mode: 0o600 });
    writeFileSync(join(aws, 'config'), USER_CONFIG, { mode: 0o600 });
    decoy = join(s.job.runnerTemp, 'aws-assume-chain-decoy1');
    mkdirSync(decoy, { mode: 0o700 });
    chmodSync(decoy, 0o700);
    writeFileSync(join(decoy, 'precious'), "not the action's");
  });

  function expectUntouched(post: StepResult): void {
    expect(post.exitCode).toBe(0);
    expect(post.warnings).toHaveLength(1);
    expect(post.warnings[0]).toMatch(/^aws-assume-chain cleanup: the saved state cannot be verified \(.+\); nothing was cleaned up\.$/);
    expect(post.errors).toEqual([]);
    expect(post.exportedEnv).toEqual({});
    expect(readFileSync(join(aws, 'credentials'), 'utf8')).toBe(USER_CREDENTIALS);
    expect(readFileSync(join(aws, 'config'), 'utf8')).toBe(USER_CONFIG);
    expect(readFileSync(join(decoy, 'precious'), 'utf8')).toBe("not the action's");
  }

  /** What a forger wants done: export BASH_ENV, and delete the user's ~/.aws files and folder as if the step made them. */
  function hostileManifest() {
    return {
      exported: [{ name: 'BASH_ENV', fingerprint: fp('') }],
      previous: { BASH_ENV: '/tmp/evil.sh' },
      profiles: {
        credentialsFile: join(aws, 'credentials'),
        configFile: join(aws, 'config'),
        profiles: ['user'],
        createdFiles: [join(aws, 'credentials'), join(aws, 'config')],
        createdDirs: [aws],
        sections: [],
      },
    };
  }

  /** A directory laid out like a private one, with a manifest that would delete the user's files and export BASH_ENV. */
  function hostileDir(name: string, opts: { mode?: number; keyMode?: number } = {}): { state: string } {
    const dir = join(s.job.runnerTemp, name);
    mkdirSync(dir, { mode: 0o700 });
    const key = randomBytes(32);
    writeFileSync(join(dir, 'key'), key, { mode: opts.keyMode ?? 0o600 });
    const manifest = JSON.stringify({
      version: 1,
      ...hostileManifest(),
    });
    writeFileSync(join(dir, 'manifest.json'), manifest, { mode: 0o600 });
    chmodSync(dir, opts.mode ?? 0o700);
    const mac = createHmac('sha256', randomBytes(32)).update(manifest).digest('hex'); // not the directory's key
    return { state: JSON.stringify({ version: 1, dir: name, mac }) };
  }

  test('the old unauthenticated format (delete ~/.aws, a dir named aws-assume-chain-*, export BASH_ENV): nothing happens', async () => {
    const forged = JSON.stringify({
      ...hostileManifest(),
      refreshDir: decoy,
    });
    expectUntouched(await postOf({ main: forgedMain(forged) }));
  });

  test.each([
    ['garbage', 'not json {'],
    ['a huge value', JSON.stringify({ version: 1, dir: 'aws-assume-chain-decoy1', mac: 'a'.repeat(5_000) })],
    ['a path instead of a name', JSON.stringify({ version: 1, dir: '../../home/.aws', mac: '0'.repeat(64) })],
    ['the decoy directory with no key', JSON.stringify({ version: 1, dir: 'aws-assume-chain-decoy1', mac: '0'.repeat(64) })],
    ['extra fields', JSON.stringify({ version: 1, dir: 'aws-assume-chain-decoy1', mac: '0'.repeat(64), exported: [] })],
  ])('%s: nothing happens', async (_what, state) => {
    expectUntouched(await postOf({ main: forgedMain(state) }));
  });

  test('a directory laid out like a private one but whose MAC is not under its key: nothing happens', async () => {
    expectUntouched(await postOf({ main: forgedMain(hostileDir('aws-assume-chain-forge1').state) }));
    expect(existsSync(join(s.job.runnerTemp, 'aws-assume-chain-forge1', 'manifest.json'))).toBe(true);
  });

  test('a symbolic link or a directory others can read is not a private directory: nothing happens', async () => {
    const { state } = hostileDir('aws-assume-chain-forge2');
    symlinkSync(join(s.job.runnerTemp, 'aws-assume-chain-forge2'), join(s.job.runnerTemp, 'aws-assume-chain-link01'));
    expectUntouched(await postOf({ main: forgedMain(state.replace('forge2', 'link01')) }));
    // "Others can read" is a POSIX mode; on Windows the directory's ACLs (RUNNER_TEMP's) decide instead.
    if (process.platform !== 'win32') expectUntouched(await postOf({ main: forgedMain(hostileDir('aws-assume-chain-open01', { mode: 0o755 }).state) }));
  });

  test("a real step's manifest tampered with afterwards (MAC mismatch): nothing is removed, reset or exported", async () => {
    const main = await s.main({ inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'aws-profile': 'deploy' }, env: s.oidcEnv });
    expect(main.errors).toEqual([]);
    const [dir] = privateDirs().filter((d) => d !== 'aws-assume-chain-decoy1');
    const manifestFile = join(s.job.runnerTemp, dir!, 'manifest.json');
    const tampered = readFileSync(manifestFile, 'utf8').replace('"AWS_PROFILE"', '"BASH_ENV"');
    writeFileSync(manifestFile, tampered);
    const during = readFileSync(join(aws, 'credentials'), 'utf8');
    const post = await s.post({ env: s.oidcEnv });
    expect(post.warnings).toEqual([expect.stringMatching(/cannot be verified \(the manifest does not match the state \(wrong MAC\)\)/)]);
    expect(post.exportedEnv).toEqual({});
    expect(readFileSync(join(aws, 'credentials'), 'utf8')).toBe(during);
    expect(privateDirs()).toContain(dir);
    s.noLeaks(post, [join(aws, 'credentials')]);
  });
});

describe('profiles shared with others', () => {
  beforeEach(async () => {
    s = await Scenario.start();
  });

  test("two jobs sharing a HOME: A writes deploy, B overwrites it; A's post keeps B's profile and the file, B's puts A's back", async () => {
    const credentials = join(s.job.home, '.aws', 'credentials');
    const a = await s.main({ inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'aws-profile': 'deploy' }, env: s.oidcEnv });
    expect(a.errors).toEqual([]);
    const afterA = readFileSync(credentials, 'utf8');
    const b = await s.main({
      inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'aws-profile': 'deploy', 'overwrite-profiles': 'true', 'role-session-name': 'job-b' },
      env: s.oidcEnv,
    });
    expect(b.errors).toEqual([]);
    const afterB = readFileSync(credentials, 'utf8');
    expect(afterB).not.toBe(afterA);
    expect(privateDirs()).toHaveLength(2);

    const postA = await postOf({ main: a, env: s.oidcEnv });
    expect(postA.errors).toEqual([]);
    expect(postA.warnings).toEqual([
      expect.stringMatching(/left 1 profile section\(s\) in place because they changed after this step wrote them: deploy \(.*credentials\)/),
    ]);
    expect(readFileSync(credentials, 'utf8')).toBe(afterB); // B's live profile and the file survive
    expect(privateDirs()).toHaveLength(1); // A's own private directory went

    const postB = await postOf({ main: b, env: s.oidcEnv });
    expect(postB.warnings).toEqual([]);
    expect(readFileSync(credentials, 'utf8')).toBe(afterA); // what B replaced is back
    expect(privateDirs()).toEqual([]);
    s.noLeaks(postB, [credentials]);
  });

  test("overwrite-profiles: the user's own profile is back, byte for byte, after the post step", async () => {
    const aws = join(s.job.home, '.aws');
    mkdirSync(aws, { mode: 0o700 });
    const before = '# mine\n[deploy]\naws_access_key_id = AKIAUSERORIGINAL0001\naws_secret_access_key = user-secret-value\n\n[other]\nk = v\n';
    const configBefore = '[profile deploy]\nregion = us-east-2\noutput = json\n';
    writeFileSync(join(aws, 'credentials'), before, { mode: 0o600 });
    writeFileSync(join(aws, 'config'), configBefore, { mode: 0o600 });
    const main = await s.main({
      inputs: {
        'aws-region': 'eu-west-1',
        'role-to-assume': DEPLOY,
        'aws-access-key-id': 'AKIAEMULATORUSER0001',
        'aws-secret-access-key': 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        'role-external-id': 'deploy-ext-42',
        'aws-profile': 'deploy',
        'overwrite-profiles': 'true',
      },
      env: s.stsEnv,
    });
    expect(main.errors).toEqual([]);
    expect(readFileSync(join(aws, 'credentials'), 'utf8')).not.toContain('AKIAUSERORIGINAL0001');
    const post = await s.post({ env: s.stsEnv });
    expect(post.errors).toEqual([]);
    expect(post.warnings).toEqual([]);
    expect(readFileSync(join(aws, 'credentials'), 'utf8')).toBe(before);
    expect(readFileSync(join(aws, 'config'), 'utf8')).toBe(configBefore);
    expect(privateDirs()).toEqual([]);
    s.noLeaks(post);
  });
});

describe('a 1 000-target fan-out', () => {
  beforeEach(async () => {
    s = await Scenario.start({ members: 1000 });
  });

  test('the state stays small, the post step starts and removes all 1 000 profiles, the files, ~/.aws and the private directory', async () => {
    const roles = Array.from({ length: 1000 }, (_, i) => memberRole(i + 1)).join('\n');
    const main = await s.main({
      inputs: {
        'aws-region': 'eu-west-1',
        'role-to-assume': HUB,
        'fan-out-roles': roles,
        'max-concurrency': '64',
        'profile-name-template': 'm{index}',
        'job-summary': 'false',
      },
      env: s.oidcEnv,
      timeoutMs: 240_000,
    });
    expect(main.errors).toEqual([]);
    expect(main.exitCode).toBe(0);
    const state = main.state['cleanup']!;
    expect(state.length).toBeLessThan(200);
    const credentials = readFileSync(join(s.job.home, '.aws', 'credentials'), 'utf8');
    expect(credentials.match(/^\[m\d+\]$/gm)).toHaveLength(1000);

    const post = await s.post({ env: s.oidcEnv, timeoutMs: 120_000 });
    expect(post.exitCode).toBe(0);
    expect(post.errors).toEqual([]);
    expect(post.warnings).toEqual([]);
    expect(existsSync(join(s.job.home, '.aws'))).toBe(false);
    expect(privateDirs()).toEqual([]);
  }, 400_000);
});
