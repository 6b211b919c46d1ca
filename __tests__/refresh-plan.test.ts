/** The pure parts of `refresh: true`: what can be re-run, how the command line is quoted, when a cache is fresh. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../src/base/errors.js';
import type { Hop, Source, Target } from '../src/base/types.js';
import { buildRefreshPlan, credentialProcessCommand, parseRefreshPlan, refreshTarget, serializeRefreshPlan, stillFresh } from '../src/refresh/refreshPlan.js';
import { writeProfiles } from '../src/export/profileFiles.js';
import { PYTHON } from './support/peers.js';

const hop = (over: Partial<Hop> = {}): Hop => ({
  action: 'AssumeRole',
  roleArn: 'arn:aws:iam::222222222222:role/deployer',
  roleSessionName: 's',
  tags: [],
  transitiveTagKeys: [],
  policyArns: [],
  origin: { where: 'role-chain', line: 1 },
  ...over,
});
const target = (source: Source, hops: Hop[] = [hop()]): Target => ({ name: 'p', chain: { source, hops } });
const PLAN = { region: 'us-east-1' };
const ENV = { GITHUB_WORKSPACE: '/work/space' };

describe('refreshTarget', () => {
  test('a relative token file is pinned to the workspace, so a later step in another directory reads the same file', () => {
    const t = refreshTarget(target({ kind: 'web-identity', token: { kind: 'file', path: 'tokens/t.jwt' } }), PLAN, ENV);
    expect(t.chain.source).toEqual({ kind: 'web-identity', token: { kind: 'file', path: '/work/space/tokens/t.jwt' } });
    expect(t.region).toBe('us-east-1');
  });

  test.each([
    ['environment credentials', target({ kind: 'environment', origin: { where: 'role-chaining' } }), /starts from credentials in the environment/],
    [
      'keys from a credentials file',
      target({ kind: 'static', credentials: { accessKeyId: 'AKIAX', secretAccessKey: 'S' }, origin: { where: '/repo/creds', line: 2 } }),
      /starts from keys in \/repo\/creds/,
    ],
    [
      'no role at all',
      target({ kind: 'static', credentials: { accessKeyId: 'AKIAX', secretAccessKey: 'S' }, origin: { where: 'aws-access-key-id' } }, []),
      /assumes no role/,
    ],
    [
      'a one-time MFA code',
      target({ kind: 'web-identity', token: { kind: 'github-oidc', audience: 'a' } }, [
        hop({ mfa: { serialNumber: 'arn:aws:iam::1:mfa/x', code: { kind: 'code', code: '123456' } } }),
      ]),
      /mfa-totp-secret/,
    ],
  ])('refuses %s', (_what, t, message) => {
    expect(() => refreshTarget(t, PLAN, ENV)).toThrow(UserError);
    expect(() => refreshTarget(t, PLAN, ENV)).toThrow(message);
  });

  test('a plan survives its file unchanged, and a foreign file is refused', () => {
    const plan = buildRefreshPlan(
      { region: 'eu-west-1', targets: [target({ kind: 'web-identity', token: { kind: 'github-oidc', audience: 'sts.amazonaws.com' } })] },
      { retry: { maxAttempts: 3 }, timeoutSeconds: 0, proxy: {} },
      ENV,
    );
    expect(plan.timeoutSeconds).toBe(300);
    expect(parseRefreshPlan(serializeRefreshPlan(plan), 'f')).toEqual(plan);
    expect(() => parseRefreshPlan('{"version":2}', 'f')).toThrow(/not a refresh plan written by this version/);
    expect(() => parseRefreshPlan('nope', 'f')).toThrow(/not a refresh plan/);
  });
});

describe('stillFresh', () => {
  const at = (min: number) => new Date(Date.UTC(2026, 0, 1, 12, min));
  test('an hour-long session is reused until 16 minutes are left (the AWS CLI asks again below 15)', () => {
    expect(stillFresh(at(60), at(0), at(43).getTime())).toBe(true);
    expect(stillFresh(at(60), at(0), at(44).getTime())).toBe(false);
  });
  test('a 15-minute session is reused for half its life', () => {
    expect(stillFresh(at(15), at(0), at(7).getTime())).toBe(true);
    expect(stillFresh(at(15), at(0), at(8).getTime())).toBe(false);
  });
});

describe('credentialProcessCommand', () => {
  const awkward = ['/opt/hosted tool/node 24/bin/node', "/home/o'neil/_actions/dist/index.js", '/tmp/run $HOME `x`/plan.json', 'prod-1'];
  // The POSIX rules, on every machine (command-line.test.ts covers Windows).
  const line = credentialProcessCommand(awkward[0]!, awkward[1]!, awkward[2]!, awkward[3]!, 'linux');

  test('plain paths stay unquoted', () => {
    expect(credentialProcessCommand('/usr/bin/node', '/a/dist/index.js', '/t/plan.json', 'p', 'linux')).toBe(
      '/usr/bin/node /a/dist/index.js credential-process /t/plan.json p',
    );
  });

  // A POSIX shell is what reads the line on POSIX; Windows has none to run it with.
  (process.platform === 'win32' ? test.skip : test)('a POSIX shell (JS and Go SDKs) reads the same arguments, with no expansion', () => {
    // The line's words become a shell function's arguments: printed one per line, exactly as received.
    const r = spawnSync('sh', ['-c', `args() { printf '%s\\n' "$@"; }; args ${line}`], { encoding: 'utf8' });
    expect(r.stdout.split('\n').slice(0, -1)).toEqual([awkward[0], awkward[1], 'credential-process', awkward[2], awkward[3]]);
  });

  test('botocore splits it the same way (shlex, as its credential_process provider does)', () => {
    const r = spawnSync(PYTHON, ['-c', 'import json,shlex,sys; print(json.dumps(shlex.split(sys.argv[1])))', line], { encoding: 'utf8' });
    expect(JSON.parse(r.stdout)).toEqual([awkward[0], awkward[1], 'credential-process', awkward[2], awkward[3]]);
  });
});

test('a refreshing profile replaces same-named keys with an empty credentials section and a credential_process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'refresh-profile-'));
  const paths = { credentialsFile: join(dir, 'credentials'), configFile: join(dir, 'config') };
  writeFileSync(paths.credentialsFile, '[deploy]\naws_access_key_id = OLD\naws_secret_access_key = OLDSECRET\n');
  writeFileSync(paths.configFile, '[profile deploy]\nregion = us-west-2\n');
  await writeProfiles(paths, [{ name: 'deploy', credentials: { credentialProcess: '/n /d credential-process /t/plan.json deploy' }, region: 'eu-west-1' }], {
    overwrite: true,
  });
  expect(readFileSync(paths.credentialsFile, 'utf8')).toBe('[deploy]\n');
  expect(readFileSync(paths.configFile, 'utf8')).toBe(
    '[profile deploy]\ncredential_process = /n /d credential-process /t/plan.json deploy\nregion = eu-west-1\n',
  );
  await expect(writeProfiles(paths, [{ name: 'x', credentials: { credentialProcess: 'a\nb' } }], { overwrite: true })).rejects.toThrow(
    /credential_process command is empty or contains control characters/,
  );
});
