/**
 * The export as a transaction, in process: a failure injected after each write point (through the
 * `afterWrite` hook, which nothing in the bundle can set) leaves nothing behind — no env, no outputs,
 * no state, profile files byte for byte as before, no private directory — and so does an expiration
 * that is not a date, which is refused before the first write.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../src/base/errors.js';
import { EXPORT_POINTS, exportResults, type ExportContext, type ExportPoint } from '../src/export/index.js';
import { openPrivateDir } from '../src/base/privateDir.js';
import { parseManifest } from '../src/export/state.js';
import type { Settings } from '../src/settings/settings.js';
import type { TargetSuccess } from '../src/run/execute.js';
import type { RefreshPlan } from '../src/refresh/refreshPlan.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLE';
const TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLETOKEN';
const USER_CREDENTIALS = '# mine\n[dev]\naws_access_key_id = AKIAUSERORIGINAL0001\naws_secret_access_key = user-secret\n';

let root: string;
let home: string;
let runnerTemp: string;
let files: Record<'GITHUB_ENV' | 'GITHUB_OUTPUT' | 'GITHUB_STATE' | 'GITHUB_STEP_SUMMARY', string>;
const saved: Record<string, string | undefined> = {};
const TOUCHED = [
  'GITHUB_ENV',
  'GITHUB_OUTPUT',
  'GITHUB_STATE',
  'GITHUB_STEP_SUMMARY',
  'RUNNER_TEMP',
  'HOME',
  'AWS_PROFILE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
];

beforeEach(() => {
  for (const k of TOUCHED) saved[k] = process.env[k];
  root = mkdtempSync(join(tmpdir(), 'export-tx-'));
  home = join(root, 'home');
  runnerTemp = join(root, 'temp');
  mkdirSync(join(home, '.aws'), { recursive: true, mode: 0o700 });
  mkdirSync(runnerTemp, { mode: 0o755 });
  writeFileSync(join(home, '.aws', 'credentials'), USER_CREDENTIALS, { mode: 0o600 });
  files = {
    GITHUB_ENV: join(root, 'env'),
    GITHUB_OUTPUT: join(root, 'output'),
    GITHUB_STATE: join(root, 'state'),
    GITHUB_STEP_SUMMARY: join(root, 'summary'),
  };
  for (const [k, f] of Object.entries(files)) {
    writeFileSync(f, '');
    process.env[k] = f;
  }
  process.env['RUNNER_TEMP'] = runnerTemp;
  process.env['HOME'] = home;
  for (const k of TOUCHED.filter((k) => k.startsWith('AWS_'))) delete process.env[k];
  process.env['AWS_REGION'] = 'us-west-2'; // a previous value the export replaces
});

afterEach(() => {
  for (const k of TOUCHED) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  rmSync(root, { recursive: true, force: true });
});

function settings(over: Partial<Settings['profileOutput']> = {}): Settings {
  return {
    unsetCurrentCredentials: false,
    outputEnvCredentials: true,
    outputCredentials: true,
    jobSummary: true,
    cleanup: true,
    maskAccountId: false,
    profileOutput: { write: true, overwrite: true, nameTemplate: 'dev', awsProfile: 'dev', exportAwsProfile: true, ...over },
  } as unknown as Settings;
}

function success(expiration: Date = new Date(Date.now() + 3600_000)): TargetSuccess {
  const credentials = { accessKeyId: 'ASIAISSUEDKEY0000001', secretAccessKey: SECRET, sessionToken: TOKEN, expiration };
  const hop = {
    action: 'AssumeRole',
    roleArn: 'arn:aws:iam::222222222222:role/deployer',
    roleSessionName: 's',
    tags: [],
    transitiveTagKeys: [],
    policyArns: [],
    origin: { where: 'role-to-assume' },
  };
  return {
    ok: true,
    target: { name: 'dev', chain: { source: { kind: 'environment', origin: { where: 'env' } }, hops: [hop as never] } },
    hops: [{ hop: hop as never, assumedRoleArn: 'arn:aws:sts::222222222222:assumed-role/deployer/s', accountId: '222222222222', credentials }],
    credentials,
    arn: 'arn:aws:sts::222222222222:assumed-role/deployer/s',
    accountId: '222222222222',
  };
}

const REFRESH: RefreshPlan = { version: 1, targets: {}, maxAttempts: 1, timeoutSeconds: 60, proxy: {} };

function ctx(extra: Partial<ExportContext> = {}): ExportContext {
  return { settings: settings(), region: 'eu-west-1', env: process.env, maskAccount: (id) => id, refresh: REFRESH, ...extra };
}

const read = (f: string) => readFileSync(f, 'utf8');

function expectNothingLeft(): void {
  expect(read(files.GITHUB_ENV)).toBe('');
  expect(read(files.GITHUB_OUTPUT)).toBe('');
  expect(read(files.GITHUB_STATE)).toBe('');
  expect(readdirSync(runnerTemp)).toEqual([]);
  expect(readdirSync(join(home, '.aws')).sort()).toEqual(['credentials']);
  expect(read(join(home, '.aws', 'credentials'))).toBe(USER_CREDENTIALS);
  expect(process.env['AWS_PROFILE']).toBeUndefined();
  expect(process.env['AWS_ACCESS_KEY_ID']).toBeUndefined();
  expect(process.env['AWS_REGION']).toBe('us-west-2');
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the export to fail');
}

describe('a failure after any write point undoes every write', () => {
  test('the write points are the ones documented', () => {
    expect(EXPORT_POINTS).toEqual(['private-dir', 'refresh', 'profiles', 'manifest', 'env', 'outputs', 'state']);
  });

  test.each(
    EXPORT_POINTS.flatMap(
      (p) =>
        [
          [p, 'UserError'],
          [p, 'unexpected Error'],
        ] as const,
    ),
  )('failing after %s (%s) leaves nothing', async (point, kind) => {
    const reached: ExportPoint[] = [];
    const err = await failure(
      exportResults(
        [success()],
        ctx({
          afterWrite: (at) => {
            reached.push(at);
            if (at === point) throw kind === 'UserError' ? new UserError(`injected at ${at}`) : new Error(`injected at ${at}`);
          },
        }),
      ),
    );
    expect(err.message).toBe(`injected at ${point}`);
    expect(reached[reached.length - 1]).toBe(point);
    expectNothingLeft();
  });

  test('without a failure the same export writes everything, and the manifest verifies against the saved state', async () => {
    await exportResults([success()], ctx());
    expect(read(files.GITHUB_ENV)).toContain('AWS_PROFILE<<');
    expect(read(files.GITHUB_OUTPUT)).toContain('aws-expiration<<');
    const stateText = read(files.GITHUB_STATE);
    const value = stateText.split('\n')[1]!;
    expect(value.length).toBeLessThan(200);
    const state = JSON.parse(value) as { dir: string; mac: string };
    const { manifest } = await openPrivateDir(process.env, state.dir, state.mac);
    const m = parseManifest(manifest);
    expect(m.profiles?.profiles).toEqual(['dev']);
    expect(m.profiles?.sections.find((s) => s.file === 'credentials')?.replaced).toEqual(expect.any(String));
    expect(manifest).not.toContain(SECRET);
    expect(stateText).not.toContain(SECRET);
    expect(read(join(home, '.aws', 'config'))).toMatch(/^\[profile dev\]\ncredential_process = .* credential-process .*plan\.json dev\nregion = eu-west-1\n$/);
  });
});

describe('checks before the first write', () => {
  test('an expiration that is not a date (a credential_process printing "garbage") fails with one line and writes nothing', async () => {
    const reached: ExportPoint[] = [];
    const err = await failure(exportResults([success(new Date('garbage'))], ctx({ afterWrite: (at) => void reached.push(at) })));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe('The credentials for "dev" have an expiration that is not a valid date; nothing was exported.');
    expect(reached).toEqual([]);
    expectNothingLeft();
  });

  test('an env-profile that names no target fails before any write', async () => {
    const reached: ExportPoint[] = [];
    const s = settings({ envProfile: 'nope' });
    const err = await failure(exportResults([success()], ctx({ settings: s, afterWrite: (at) => void reached.push(at) })));
    expect(err.message).toMatch(/^Input 'env-profile': no target named "nope"/);
    expect(reached).toEqual([]);
    expectNothingLeft();
  });

  test('a secret with a line break cannot reach a profile file: refused before any write, without echoing it', async () => {
    const bad = success();
    const broken = { ...bad, credentials: { ...bad.credentials, secretAccessKey: `${SECRET}\n[evil]` } };
    const err = await failure(exportResults([broken], ctx({ refresh: undefined })));
    expect(err.message).toBe("Cannot write profile 'dev': the secret access key contains whitespace or control characters.");
    expect(err.message).not.toContain(SECRET);
    expectNothingLeft();
  });
});
