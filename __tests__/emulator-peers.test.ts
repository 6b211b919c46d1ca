/**
 * The STS emulator driven by other implementations: python botocore and the AWS CLI v1 (both use botocore's SigV4
 * signer, Query serializer and XML parser). Each run gets a temporary HOME and an environment limited to PATH, HOME,
 * AWS_ENDPOINT_URL_STS, a region and AWS_EC2_METADATA_DISABLED (plus the keys/files the test means).
 *
 * If python3 + botocore or the `aws` CLI is missing, the tests that need them are skipped by name with a warning.
 */
import { PYTHON } from './support/peers.js';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStsEmulator, MSG_CHAINING_LIMIT, type StsEmulator } from './support/sts-emulator.js';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.js';
import { loadWorldFile } from './support/world.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/world.json', import.meta.url));
const CI = { accessKeyId: 'AKIAEMULATORCIUSER01', secretAccessKey: 'ciUserSecretKey0000000000000000000000000' };
const DEPLOY = 'arn:aws:iam::111111111111:role/deploy';
const GH_OIDC = 'arn:aws:iam::111111111111:role/gh-oidc';
const TARGET = 'arn:aws:iam::222222222222:role/path/target';

const PATH = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
const probeHome = mkdtempSync(join(tmpdir(), 'sts-peer-probe-'));
const probeEnv = { PATH, HOME: probeHome, AWS_EC2_METADATA_DISABLED: 'true' };
const probe = (cmd: string, args: string[]): boolean => {
  const r = spawnSync(cmd, args, { env: probeEnv, stdio: 'ignore', timeout: 20_000 });
  return r.status === 0;
};
const hasBotocore = probe(PYTHON, ['-c', 'import botocore']);
const hasAwsCli = probe('aws', ['--version']);
rmSync(probeHome, { recursive: true, force: true });

/** `test` when the tool is present; otherwise `test.skip`, with a warning naming the skipped test and why. */
function peerTest(available: boolean, reason: string): (name: string, fn: () => Promise<void>) => void {
  return (name, fn) => {
    if (available) return test(name, fn);
    console.warn(`emulator-peers: SKIPPED "${name}": ${reason}`);
    test.skip(name, fn);
  };
}
const botocoreTest = peerTest(hasBotocore, '`python3 -c "import botocore"` failed on this machine');
const cliTest = peerTest(hasAwsCli, '`aws --version` (AWS CLI) failed on this machine');

let issuer: OidcIssuer;
let emu: StsEmulator;
const homes: string[] = [];

beforeAll(async () => {
  issuer = await startOidcIssuer();
  emu = await startStsEmulator({ world: loadWorldFile(FIXTURE, { OIDC_ISSUER: issuer.url }) });
});

afterAll(async () => {
  await emu.close();
  await issuer.close();
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

beforeEach(() => emu.clearCalls());

/** A fresh HOME with optional ~/.aws/config and ~/.aws/credentials. */
function makeHome(files: { config?: string; credentials?: string; [name: string]: string | undefined } = {}): string {
  const home = mkdtempSync(join(tmpdir(), 'sts-peer-home-'));
  homes.push(home);
  mkdirSync(join(home, '.aws'));
  for (const [name, text] of Object.entries(files)) {
    if (text === undefined) continue;
    const path = name === 'config' || name === 'credentials' ? join(home, '.aws', name) : join(home, name);
    writeFileSync(path, text);
  }
  return home;
}

/** The limited environment: nothing from the ambient environment but PATH. */
function peerEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH,
    HOME: home,
    AWS_CONFIG_FILE: join(home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_STS: emu.url,
    AWS_DEFAULT_REGION: 'us-east-1',
    ...extra,
  };
}

function run(cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function aws(args: string[], env: Record<string, string>): Promise<Record<string, unknown>> {
  const r = await run('aws', [...args, '--output', 'json'], env);
  if (r.code !== 0) throw new Error(`aws ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const withKeys = (home: string, keys: { accessKeyId: string; secretAccessKey: string }): Record<string, string> =>
  peerEnv(home, { AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey });

describe('AWS CLI v1', () => {
  cliTest('aws CLI: sts get-caller-identity with user keys', async () => {
    const out = await aws(['sts', 'get-caller-identity'], withKeys(makeHome(), CI));
    expect(out).toMatchObject({ Arn: 'arn:aws:iam::111111111111:user/ci', Account: '111111111111' });
    expect(emu.calls).toHaveLength(1);
    expect(emu.calls[0]!.signer).toEqual({
      accessKeyId: CI.accessKeyId,
      region: 'us-east-1',
      principalArn: 'arn:aws:iam::111111111111:user/ci',
      sessionToken: false,
      verified: true,
    });
  });

  cliTest('aws CLI: sts assume-role', async () => {
    const out = (await aws(
      [
        'sts',
        'assume-role',
        '--role-arn',
        DEPLOY,
        '--role-session-name',
        'peer-cli',
        '--duration-seconds',
        '900',
        '--tags',
        'Key=team,Value=core',
        '--source-identity',
        'alice',
      ],
      withKeys(makeHome(), CI),
    )) as { Credentials: { AccessKeyId: string; Expiration: string }; AssumedRoleUser: { Arn: string }; SourceIdentity: string; PackedPolicySize: number };
    expect(out.AssumedRoleUser.Arn).toBe('arn:aws:sts::111111111111:assumed-role/deploy/peer-cli');
    expect(out.SourceIdentity).toBe('alice');
    expect(out.PackedPolicySize).toBeGreaterThan(0);
    expect(out.Credentials.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(Math.abs(Date.parse(out.Credentials.Expiration) - (emu.now() + 900_000))).toBeLessThan(10_000);
    expect(emu.calls[0]).toMatchObject({
      action: 'AssumeRole',
      params: { RoleArn: DEPLOY, RoleSessionName: 'peer-cli', DurationSeconds: '900', 'Tags.member.1.Key': 'team', SourceIdentity: 'alice' },
      result: { accessKeyId: out.Credentials.AccessKeyId },
    });
  });

  cliTest('aws CLI: chained assume-role through source_profile, hop 2 signed by hop 1', async () => {
    const home = makeHome({
      config: [
        '[profile base]',
        'region = us-east-1',
        '[profile hop1]',
        `role_arn = ${DEPLOY}`,
        'source_profile = base',
        'role_session_name = peer-hop-1',
        '[profile hop2]',
        `role_arn = ${TARGET}`,
        'source_profile = hop1',
        'role_session_name = peer-hop-2',
        '',
      ].join('\n'),
      credentials: `[base]\naws_access_key_id = ${CI.accessKeyId}\naws_secret_access_key = ${CI.secretAccessKey}\n`,
    });
    const out = await aws(['sts', 'get-caller-identity', '--profile', 'hop2'], peerEnv(home));
    expect(out.Arn).toBe('arn:aws:sts::222222222222:assumed-role/target/peer-hop-2');
    const [hop1, hop2, gci] = emu.calls;
    expect(emu.calls.map((c) => [c.action, c.params.RoleArn, c.status])).toEqual([
      ['AssumeRole', DEPLOY, 200],
      ['AssumeRole', TARGET, 200],
      ['GetCallerIdentity', undefined, 200],
    ]);
    expect(hop1!.signer).toMatchObject({ accessKeyId: CI.accessKeyId, sessionToken: false, verified: true });
    expect(hop2!.signer).toMatchObject({
      accessKeyId: hop1!.result.accessKeyId,
      principalArn: 'arn:aws:sts::111111111111:assumed-role/deploy/peer-hop-1',
      sessionToken: true,
      verified: true,
    });
    expect(gci!.signer?.accessKeyId).toBe(hop2!.result.accessKeyId);
  });

  cliTest('aws CLI: web_identity_token_file profile, then a chained hop', async () => {
    const token = issuer.mint({ aud: 'sts.amazonaws.com' });
    const home = makeHome({ token });
    writeFileSync(
      join(home, '.aws', 'config'),
      [
        '[profile gh]',
        `role_arn = ${GH_OIDC}`,
        `web_identity_token_file = ${join(home, 'token')}`,
        'role_session_name = peer-gh',
        '[profile gh-target]',
        `role_arn = ${TARGET}`,
        'source_profile = gh',
        'role_session_name = peer-target',
        '',
      ].join('\n'),
    );
    const out = await aws(['sts', 'get-caller-identity', '--profile', 'gh-target'], peerEnv(home));
    expect(out.Arn).toBe('arn:aws:sts::222222222222:assumed-role/target/peer-target');
    expect(emu.calls.map((c) => c.action)).toEqual(['AssumeRoleWithWebIdentity', 'AssumeRole', 'GetCallerIdentity']);
    expect(emu.calls[0]).toMatchObject({
      signer: null,
      params: { RoleArn: GH_OIDC, RoleSessionName: 'peer-gh', 'WebIdentityToken.sub': 'repo:octo-org/octo-repo:ref:refs/heads/main' },
    });
    expect(emu.calls[1]!.signer).toMatchObject({ accessKeyId: emu.calls[0]!.result.accessKeyId, verified: true });
  });

  cliTest('aws CLI: a bad signature is refused (non-zero exit, SignatureDoesNotMatch)', async () => {
    const r = await run('aws', ['sts', 'get-caller-identity'], withKeys(makeHome(), { ...CI, secretAccessKey: 'z'.repeat(40) }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('An error occurred (SignatureDoesNotMatch) when calling the GetCallerIdentity operation');
    expect(emu.calls[0]).toMatchObject({ status: 403, result: { errorCode: 'SignatureDoesNotMatch' } });
  });
});

describe('python botocore', () => {
  botocoreTest('botocore: web identity, chained AssumeRole with tags, the chaining limit, GetCallerIdentity', async () => {
    const token = issuer.mint({ aud: 'sts.amazonaws.com' });
    const script = `
import json, sys
import botocore.session
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
s = botocore.session.get_session()
out = {}
web = s.create_client('sts', region_name='us-east-1', config=Config(signature_version=UNSIGNED))
r = web.assume_role_with_web_identity(RoleArn=sys.argv[1], RoleSessionName='py-web', WebIdentityToken=sys.argv[3])
out['web'] = {k: r[k] for k in ('SubjectFromWebIdentityToken', 'Audience', 'Provider')}
out['webArn'] = r['AssumedRoleUser']['Arn']
c = r['Credentials']
hop = s.create_client('sts', region_name='us-east-1', aws_access_key_id=c['AccessKeyId'],
                      aws_secret_access_key=c['SecretAccessKey'], aws_session_token=c['SessionToken'])
try:
    hop.assume_role(RoleArn=sys.argv[2], RoleSessionName='py-hop', DurationSeconds=7200)
except ClientError as e:
    out['chainError'] = [e.response['Error']['Code'], e.response['Error']['Message'], e.response['ResponseMetadata']['HTTPStatusCode']]
r2 = hop.assume_role(RoleArn=sys.argv[2], RoleSessionName='py-hop', Tags=[{'Key': 'team', 'Value': 'core'}],
                     TransitiveTagKeys=['team'], Policy='{"Version":"2012-10-17"}')
out['hopArn'] = r2['AssumedRoleUser']['Arn']
out['packed'] = r2['PackedPolicySize']
out['expirationType'] = type(r2['Credentials']['Expiration']).__name__
c2 = r2['Credentials']
me = s.create_client('sts', region_name='us-east-1', aws_access_key_id=c2['AccessKeyId'],
                     aws_secret_access_key=c2['SecretAccessKey'], aws_session_token=c2['SessionToken']).get_caller_identity()
out['me'] = {k: me[k] for k in ('Arn', 'Account', 'UserId')}
print(json.dumps(out))
`;
    const r = await run(PYTHON, ['-c', script, GH_OIDC, TARGET, token], peerEnv(makeHome()));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({
      web: {
        SubjectFromWebIdentityToken: 'repo:octo-org/octo-repo:ref:refs/heads/main',
        Audience: 'sts.amazonaws.com',
        Provider: `arn:aws:iam::111111111111:oidc-provider/${issuer.url.replace('http://', '')}`,
      },
      webArn: 'arn:aws:sts::111111111111:assumed-role/gh-oidc/py-web',
      chainError: ['ValidationError', MSG_CHAINING_LIMIT, 400],
      hopArn: 'arn:aws:sts::222222222222:assumed-role/target/py-hop',
      expirationType: 'datetime',
      me: { Arn: 'arn:aws:sts::222222222222:assumed-role/target/py-hop', Account: '222222222222' },
    });
    expect(out.packed).toBeGreaterThan(0);
    expect(emu.calls.map((c) => [c.action, c.status])).toEqual([
      ['AssumeRoleWithWebIdentity', 200],
      ['AssumeRole', 400],
      ['AssumeRole', 200],
      ['GetCallerIdentity', 200],
    ]);
    expect(emu.calls[2]!.params).toMatchObject({
      'Tags.member.1.Key': 'team',
      'Tags.member.1.Value': 'core',
      'TransitiveTagKeys.member.1': 'team',
      Policy: '{"Version":"2012-10-17"}',
    });
  });
});
