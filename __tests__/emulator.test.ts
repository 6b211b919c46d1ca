/**
 * The local STS emulator and the GitHub OIDC stand-in, driven by @aws-sdk/client-sts (the client the Action uses),
 * raw HTTP, and @smithy/signature-v4 as an independent SigV4 implementation.
 */
import { jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { startStsEmulator, totp, MSG_CHAINING_LIMIT, MSG_MAX_SESSION, type StsEmulator } from './support/sts-emulator.js';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.js';
import { loadWorldFile, resolveWorld, validateWorld, type World } from './support/world.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/world.json', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const CI = { accessKeyId: 'AKIAEMULATORCIUSER01', secretAccessKey: 'ciUserSecretKey0000000000000000000000000' };
const OUTSIDER = { accessKeyId: 'AKIAEMULATOROUTSIDER', secretAccessKey: 'outsiderSecretKey00000000000000000000000' };
const RUNNER = {
  accessKeyId: 'ASIAEMULATORRUNNER01',
  secretAccessKey: 'runnerSessionSecret000000000000000000000',
  sessionToken: 'runner-session-token-0001',
};
const CN = { accessKeyId: 'AKIAEMULATORCNUSER01', secretAccessKey: 'cnUserSecretKey0000000000000000000000000' };
const DEPLOY = 'arn:aws:iam::111111111111:role/deploy';
const GH_OIDC = 'arn:aws:iam::111111111111:role/gh-oidc';
const TARGET = 'arn:aws:iam::222222222222:role/path/target';
const NO_TAGS = 'arn:aws:iam::222222222222:role/no-tags';
const EXTERNAL = 'arn:aws:iam::222222222222:role/external';
const MFA = 'arn:aws:iam::222222222222:role/mfa';
const FLAKY = 'arn:aws:iam::222222222222:role/flaky';

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

let issuer: OidcIssuer;
let emu: StsEmulator;
let logDir: string;
let logFile: string;

beforeAll(async () => {
  issuer = await startOidcIssuer();
  logDir = mkdtempSync(join(tmpdir(), 'sts-emulator-'));
  logFile = join(logDir, 'calls.jsonl');
  emu = await startStsEmulator({ world: loadWorldFile(FIXTURE, { OIDC_ISSUER: issuer.url }), logFile });
});

afterAll(async () => {
  await emu.close();
  await issuer.close();
  rmSync(logDir, { recursive: true, force: true });
});

beforeEach(() => emu.clearCalls());

function client(credentials?: Creds, extra: Partial<STSClientConfig> = {}): STSClient {
  return new STSClient({
    endpoint: emu.url,
    region: 'us-east-1',
    maxAttempts: 1,
    ...(credentials ? { credentials } : {}),
    ...extra,
  });
}

/** The SDK's view of a failed call. */
interface Failure {
  name: string;
  /** The wire error code, when the SDK's class name differs from it (modeled errors: `…Exception`). */
  code?: string;
  message: string;
  status: number | undefined;
}

async function failure(p: Promise<unknown>): Promise<Failure> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; Error?: { Code?: string }; Code?: string; $metadata?: { httpStatusCode?: number } };
    const code = err.Error?.Code ?? err.Code;
    return {
      name: err.name,
      ...(code !== undefined && code !== err.name ? { code } : {}),
      message: err.message,
      status: err.$metadata?.httpStatusCode,
    };
  }
  throw new Error('expected the call to fail');
}

async function assume(creds: Creds, input: ConstructorParameters<typeof AssumeRoleCommand>[0]): Promise<Creds & { arn: string; expiration: Date }> {
  const out = await client(creds).send(new AssumeRoleCommand(input));
  return {
    accessKeyId: out.Credentials!.AccessKeyId!,
    secretAccessKey: out.Credentials!.SecretAccessKey!,
    sessionToken: out.Credentials!.SessionToken!,
    expiration: out.Credentials!.Expiration!,
    arn: out.AssumedRoleUser!.Arn!,
  };
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function raw(method: string, url: string, headers: Record<string, string> = {}, body = ''): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** What @actions/core's getIDToken does: GET `${ACTIONS_ID_TOKEN_REQUEST_URL}&audience=…` with the bearer. */
async function fetchIdToken(audience?: string, bearer = issuer.requestToken): Promise<{ status: number; value?: string }> {
  const url = audience === undefined ? issuer.requestUrl : `${issuer.requestUrl}&audience=${encodeURIComponent(audience)}`;
  const res = await raw('GET', url, { authorization: `Bearer ${bearer}`, accept: 'application/json' });
  return res.status === 200 ? { status: 200, value: (JSON.parse(res.body) as { value: string }).value } : { status: res.status };
}

const claimsOf = (jwt: string): Record<string, unknown> => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: SourceData): string | Uint8Array =>
  typeof d === 'string' ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

/** Node-crypto SHA-256 / HMAC in the shape @smithy/signature-v4 expects. */
class NodeSha256 {
  private readonly h;
  constructor(secret?: SourceData) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.h.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
  reset(): void {}
}

/** A form POST signed with @smithy/signature-v4 (not the SDK client), sent raw. */
async function signedPost(body: string, creds: Creds, region = 'us-east-1'): Promise<RawResponse> {
  const { hostname, port } = new URL(emu.url);
  const signer = new SignatureV4({ service: 'sts', region, credentials: creds, sha256: NodeSha256 });
  const req = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname,
    port: Number(port),
    path: '/',
    query: {},
    headers: { host: `${hostname}:${port}`, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  });
  return raw('POST', emu.url, req.headers as Record<string, string>, body);
}

// ---------------------------------------------------------------------------------------------------------------

describe('signed calls with user keys', () => {
  test('GetCallerIdentity as an IAM user', async () => {
    const out = await client(CI).send(new GetCallerIdentityCommand({}));
    expect(out.Arn).toBe('arn:aws:iam::111111111111:user/ci');
    expect(out.Account).toBe('111111111111');
    expect(out.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    expect(emu.calls).toHaveLength(1);
    expect(emu.calls[0]).toMatchObject({
      action: 'GetCallerIdentity',
      params: {},
      status: 200,
      signer: {
        accessKeyId: CI.accessKeyId,
        region: 'us-east-1',
        principalArn: 'arn:aws:iam::111111111111:user/ci',
        sessionToken: false,
        verified: true,
      },
      result: { arn: 'arn:aws:iam::111111111111:user/ci', account: '111111111111' },
    });
  });

  test('GetCallerIdentity with pre-existing session keys (world assumed-role user)', async () => {
    const out = await client(RUNNER).send(new GetCallerIdentityCommand({}));
    expect(out.Arn).toBe('arn:aws:sts::111111111111:assumed-role/runner/i-0123456789abcdef0');
    expect(out.UserId).toMatch(/^AROA[A-Z2-7]{17}:i-0123456789abcdef0$/);
    expect(emu.calls[0]!.signer).toMatchObject({ sessionToken: true, verified: true });
  });

  test('AssumeRole issues session credentials in the AWS format', async () => {
    const before = emu.now();
    const out = await client(CI).send(new AssumeRoleCommand({ RoleArn: DEPLOY, RoleSessionName: 'hop-1', DurationSeconds: 900, SourceIdentity: 'alice' }));
    const c = out.Credentials!;
    expect(c.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(c.SecretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(c.SessionToken!.length).toBeGreaterThan(400);
    expect(Math.abs(c.Expiration!.getTime() - (before + 900_000))).toBeLessThan(3000);
    expect(out.AssumedRoleUser!.Arn).toBe('arn:aws:sts::111111111111:assumed-role/deploy/hop-1');
    expect(out.AssumedRoleUser!.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:hop-1$/);
    expect(out.SourceIdentity).toBe('alice');
    expect(out.PackedPolicySize).toBeUndefined();
    expect(emu.calls[0]).toMatchObject({
      action: 'AssumeRole',
      params: { RoleArn: DEPLOY, RoleSessionName: 'hop-1', DurationSeconds: '900', SourceIdentity: 'alice' },
      status: 200,
      result: { assumedRoleArn: 'arn:aws:sts::111111111111:assumed-role/deploy/hop-1', accessKeyId: c.AccessKeyId },
    });
    const who = await client({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }).send(
      new GetCallerIdentityCommand({}),
    );
    expect(who.Arn).toBe('arn:aws:sts::111111111111:assumed-role/deploy/hop-1');
    expect(who.UserId).toBe(out.AssumedRoleUser!.AssumedRoleId);
    const session = emu.issuedSessions().find((s) => s.accessKeyId === c.AccessKeyId)!;
    expect(session).toMatchObject({ roleArn: DEPLOY, sessionName: 'hop-1', chained: false, sourceIdentity: 'alice' });
  });

  test('chained AssumeRole is signed by the first hop and capped at one hour', async () => {
    const hop1 = await assume(CI, { RoleArn: DEPLOY, RoleSessionName: 'hop-1', DurationSeconds: 43200 });
    const hop2 = await assume(hop1, { RoleArn: TARGET, RoleSessionName: 'hop-2' });
    expect(hop1.expiration.getTime() - emu.now()).toBeGreaterThan(43000_000);
    expect(hop2.arn).toBe('arn:aws:sts::222222222222:assumed-role/target/hop-2');
    expect(hop2.expiration.getTime() - emu.now()).toBeLessThanOrEqual(3600_000);
    expect(emu.calls.map((c) => c.signer?.accessKeyId)).toEqual([CI.accessKeyId, hop1.accessKeyId]);
    expect(emu.calls[1]!.signer).toEqual({
      accessKeyId: hop1.accessKeyId,
      region: 'us-east-1',
      principalArn: 'arn:aws:sts::111111111111:assumed-role/deploy/hop-1',
      sessionToken: true,
      verified: true,
    });
    expect(emu.issuedSessions().find((s) => s.accessKeyId === hop2.accessKeyId)?.chained).toBe(true);
  });

  test('chained DurationSeconds 7200 fails with the role-chaining message', async () => {
    const hop1 = await assume(CI, { RoleArn: DEPLOY, RoleSessionName: 'hop-1' });
    const f = await failure(client(hop1).send(new AssumeRoleCommand({ RoleArn: TARGET, RoleSessionName: 'hop-2', DurationSeconds: 7200 })));
    expect(f).toEqual({ name: 'ValidationError', message: MSG_CHAINING_LIMIT, status: 400 });
    expect(MSG_CHAINING_LIMIT).toBe('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
    // Pre-existing role-session keys are chained too.
    const f2 = await failure(client(RUNNER).send(new AssumeRoleCommand({ RoleArn: DEPLOY, RoleSessionName: 'rr', DurationSeconds: 3601 })));
    expect(f2.message).toBe(MSG_CHAINING_LIMIT);
  });

  test('DurationSeconds limits: role maximum and the 900..43200 model range', async () => {
    const overMax = await failure(client(CI).send(new AssumeRoleCommand({ RoleArn: NO_TAGS, RoleSessionName: 'ss', DurationSeconds: 7200 })));
    expect(overMax).toEqual({ name: 'ValidationError', message: MSG_MAX_SESSION, status: 400 });
    const tooShort = await failure(client(CI).send(new AssumeRoleCommand({ RoleArn: DEPLOY, RoleSessionName: 'ss', DurationSeconds: 899 })));
    expect(tooShort.message).toBe(
      "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    );
  });

  test('a wrong secret is refused with SignatureDoesNotMatch', async () => {
    const f = await failure(client({ ...CI, secretAccessKey: 'x'.repeat(40) }).send(new GetCallerIdentityCommand({})));
    expect(f.name).toBe('SignatureDoesNotMatch');
    expect(f.status).toBe(403);
    expect(f.message).toMatch(/^The request signature we calculated does not match the signature you provided\./);
    expect(emu.calls[0]!.signer).toMatchObject({ accessKeyId: CI.accessKeyId, verified: false });
  });

  test('an unknown key is refused with InvalidClientTokenId', async () => {
    const f = await failure(client({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'y'.repeat(40) }).send(new GetCallerIdentityCommand({})));
    expect(f).toEqual({ name: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.', status: 403 });
    expect(emu.calls[0]!.signer).toMatchObject({ accessKeyId: 'AKIAUNKNOWNKEY000000', principalArn: null });
  });

  test('session keys without (or with a wrong) session token are refused', async () => {
    const hop1 = await assume(CI, { RoleArn: DEPLOY, RoleSessionName: 'hop-1' });
    const noToken = await failure(client({ accessKeyId: hop1.accessKeyId, secretAccessKey: hop1.secretAccessKey }).send(new GetCallerIdentityCommand({})));
    expect(noToken.name).toBe('InvalidClientTokenId');
    const wrongToken = await failure(client({ ...hop1, sessionToken: 'nope' }).send(new GetCallerIdentityCommand({})));
    expect(wrongToken.name).toBe('InvalidClientTokenId');
  });

  test('a caller outside the trust policy gets AccessDenied in the AWS wording', async () => {
    const f = await failure(client(OUTSIDER).send(new AssumeRoleCommand({ RoleArn: DEPLOY, RoleSessionName: 'ss' })));
    expect(f).toEqual({
      name: 'AccessDenied',
      message: `User: arn:aws:iam::999999999999:user/outsider is not authorized to perform: sts:AssumeRole on resource: ${DEPLOY}`,
      status: 403,
    });
    const missingRole = await failure(client(CI).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111111111111:role/nope', RoleSessionName: 'ss' })));
    expect(missingRole.name).toBe('AccessDenied');
  });

  test('session tags on a role without sts:TagSession are denied', async () => {
    const f = await failure(client(CI).send(new AssumeRoleCommand({ RoleArn: NO_TAGS, RoleSessionName: 'ss', Tags: [{ Key: 'team', Value: 'core' }] })));
    expect(f).toEqual({
      name: 'AccessDenied',
      message: `User: arn:aws:iam::111111111111:user/ci is not authorized to perform: sts:TagSession on resource: ${NO_TAGS}`,
      status: 403,
    });
    const ok = await assume(CI, { RoleArn: NO_TAGS, RoleSessionName: 'ss' });
    expect(ok.arn).toBe('arn:aws:sts::222222222222:assumed-role/no-tags/ss');
  });

  test('session tags, transitive keys and policies: PackedPolicySize and inheritance', async () => {
    const out = await client(CI).send(
      new AssumeRoleCommand({
        RoleArn: DEPLOY,
        RoleSessionName: 'tagged',
        Tags: [
          { Key: 'team', Value: 'core' },
          { Key: 'env', Value: 'prod' },
        ],
        TransitiveTagKeys: ['team'],
        Policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}',
        PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
      }),
    );
    expect(out.PackedPolicySize).toBeGreaterThan(0);
    expect(out.PackedPolicySize).toBeLessThan(100);
    expect(emu.calls[0]!.params).toMatchObject({
      'Tags.member.1.Key': 'team',
      'Tags.member.1.Value': 'core',
      'TransitiveTagKeys.member.1': 'team',
      'PolicyArns.member.1.arn': 'arn:aws:iam::aws:policy/ReadOnlyAccess',
    });
    const hop1 = {
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    };
    const hop2 = await assume(hop1, { RoleArn: TARGET, RoleSessionName: 'hop-2' });
    const s2 = emu.issuedSessions().find((s) => s.accessKeyId === hop2.accessKeyId)!;
    expect(s2.tags).toEqual([{ key: 'team', value: 'core' }]);
    expect(s2.transitiveTagKeys).toEqual(['team']);
    const override = await failure(
      client(hop1).send(new AssumeRoleCommand({ RoleArn: TARGET, RoleSessionName: 'xx', Tags: [{ Key: 'TEAM', Value: 'other' }] })),
    );
    expect(override.name).toBe('ValidationError');
  });

  test('external ID: missing or wrong is denied, right is accepted', async () => {
    const missing = await failure(client(CI).send(new AssumeRoleCommand({ RoleArn: EXTERNAL, RoleSessionName: 'ss' })));
    expect(missing.name).toBe('AccessDenied');
    expect(missing.message).toBe(`User: arn:aws:iam::111111111111:user/ci is not authorized to perform: sts:AssumeRole on resource: ${EXTERNAL}`);
    const wrong = await failure(client(CI).send(new AssumeRoleCommand({ RoleArn: EXTERNAL, RoleSessionName: 'ss', ExternalId: 'ext-9999' })));
    expect(wrong.name).toBe('AccessDenied');
    const ok = await assume(CI, { RoleArn: EXTERNAL, RoleSessionName: 'ss', ExternalId: 'ext-1234' });
    expect(ok.arn).toBe('arn:aws:sts::222222222222:assumed-role/external/ss');
    expect(emu.calls[2]!.params.ExternalId).toBe('ext-1234');
  });

  test('MFA with a TOTP code', async () => {
    const serial = 'arn:aws:iam::111111111111:mfa/ci';
    const none = await failure(client(CI).send(new AssumeRoleCommand({ RoleArn: MFA, RoleSessionName: 'ss' })));
    expect(none.name).toBe('AccessDenied');
    const code = totp('JBSWY3DPEHPK3PXP', emu.now());
    const wrongCode = String((Number(code) + 500_000) % 1_000_000).padStart(6, '0');
    const bad = await failure(client(CI).send(new AssumeRoleCommand({ RoleArn: MFA, RoleSessionName: 'ss', SerialNumber: serial, TokenCode: wrongCode })));
    expect(bad).toEqual({
      name: 'AccessDenied',
      message: 'MultiFactorAuthentication failed with invalid MFA one time pass code. ',
      status: 403,
    });
    const ok = await assume(CI, { RoleArn: MFA, RoleSessionName: 'ss', SerialNumber: serial, TokenCode: code });
    expect(ok.arn).toBe('arn:aws:sts::222222222222:assumed-role/mfa/ss');
    expect(emu.calls[2]!.params).toMatchObject({ SerialNumber: serial, TokenCode: code });
  });

  test('RFC 6238 test vector (SHA-1, T=59s) for the TOTP helper', () => {
    // RFC 6238 appendix B: secret "12345678901234567890" (base32 GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ), 8 digits 94287082.
    expect(totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59_000)).toBe('287082');
  });

  test('parameter validation speaks STS (Coral) wording, XML-escaped', async () => {
    const f = await failure(client(CI).send(new AssumeRoleCommand({ RoleArn: DEPLOY, RoleSessionName: 'bad name<&>' })));
    expect(f).toEqual({
      name: 'ValidationError',
      message:
        "1 validation error detected: Value 'bad name<&>' at 'roleSessionName' failed to satisfy constraint: " +
        'Member must satisfy regular expression pattern: [\\w+=,.@-]*',
      status: 400,
    });
    const two = await failure(client(CI).send(new AssumeRoleCommand({ RoleArn: DEPLOY, RoleSessionName: 'x', ExternalId: 'a b' })));
    expect(two.message).toBe(
      "2 validation errors detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2; " +
        "Value 'a b' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*",
    );
    const arns = Array.from({ length: 11 }, (_, i) => ({ arn: `arn:aws:iam::aws:policy/Policy${i}` }));
    const tooMany = await failure(client(CI).send(new AssumeRoleCommand({ RoleArn: DEPLOY, RoleSessionName: 'ss', PolicyArns: arns })));
    expect(tooMany.name).toBe('ValidationError');
    expect(tooMany.message).toContain("at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10");
    const badJson = await failure(client(CI).send(new AssumeRoleCommand({ RoleArn: DEPLOY, RoleSessionName: 'ss', Policy: '{"Version":' })));
    // Modeled errors surface as the SDK's exception classes; the wire code is the model's (checked in `failure`).
    expect(badJson).toEqual({ name: 'MalformedPolicyDocumentException', code: 'MalformedPolicyDocument', message: 'Syntax errors in policy.', status: 400 });
    const aws = await failure(client(CI).send(new AssumeRoleCommand({ RoleArn: DEPLOY, RoleSessionName: 'ss', SourceIdentity: 'aws:me' })));
    expect(aws.name).toBe('ValidationError');
    const tags = Array.from({ length: 20 }, (_, i) => ({ Key: `k${i}`, Value: 'v'.repeat(200) }));
    const packed = await failure(client(CI).send(new AssumeRoleCommand({ RoleArn: DEPLOY, RoleSessionName: 'ss', Tags: tags })));
    expect(packed).toMatchObject({ name: 'PackedPolicyTooLargeException', code: 'PackedPolicyTooLarge', status: 400 });
    expect(packed.message).toMatch(/^Packed policy consumes \d+% of allotted space, please use smaller policy\.$/);
  });

  test('aws-cn partition ARNs', async () => {
    const c = new STSClient({ endpoint: emu.url, region: 'cn-north-1', maxAttempts: 1, credentials: CN });
    const out = await c.send(new AssumeRoleCommand({ RoleArn: 'arn:aws-cn:iam::333333333333:role/cn-deploy', RoleSessionName: 'cn' }));
    expect(out.AssumedRoleUser!.Arn).toBe('arn:aws-cn:sts::333333333333:assumed-role/cn-deploy/cn');
    expect(emu.calls[0]!.signer?.region).toBe('cn-north-1');
  });

  test('issued credentials expire on the emulated clock', async () => {
    const hop1 = await assume(CI, { RoleArn: DEPLOY, RoleSessionName: 'short', DurationSeconds: 900 });
    expect((await client(hop1).send(new GetCallerIdentityCommand({}))).Arn).toContain('assumed-role/deploy/short');
    emu.advanceClock(901);
    try {
      const f = await failure(client(hop1).send(new GetCallerIdentityCommand({})));
      expect(f).toEqual({ name: 'ExpiredToken', message: 'The security token included in the request is expired', status: 400 });
      // Long-term user keys keep working: the signature clock is the real one.
      expect((await client(CI).send(new GetCallerIdentityCommand({}))).Account).toBe('111111111111');
    } finally {
      emu.advanceClock(-901);
    }
  });
});

describe('web identity with the OIDC stand-in', () => {
  test('token endpoint behaves like GitHub’s: bearer required, audience honoured, default audience', async () => {
    expect((await fetchIdToken('sts.amazonaws.com', 'wrong')).status).toBe(401);
    const res = await raw('GET', `${issuer.requestUrl}&audience=x`);
    expect(res.status).toBe(401);
    const t = await fetchIdToken('sts.amazonaws.com');
    expect(t.status).toBe(200);
    const c = claimsOf(t.value!);
    expect(c).toMatchObject({
      iss: issuer.url,
      aud: 'sts.amazonaws.com',
      sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
      repository: 'octo-org/octo-repo',
      repository_owner: 'octo-org',
      ref: 'refs/heads/main',
    });
    for (const k of ['sha', 'actor', 'workflow', 'job_workflow_ref', 'run_id', 'iat', 'nbf', 'exp', 'jti']) expect(c).toHaveProperty(k);
    expect((c.exp as number) - (c.iat as number)).toBe(300);
    const header = JSON.parse(Buffer.from(t.value!.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(header).toEqual({ typ: 'JWT', alg: 'RS256', kid: issuer.kid });
    expect(claimsOf((await fetchIdToken()).value!).aud).toBe('https://github.com/octo-org');
    expect(claimsOf(issuer.mint({ environment: 'prod' })).sub).toBe('repo:octo-org/octo-repo:environment:prod');
    expect(issuer.tokens).toContain(t.value);
    const conf = JSON.parse((await raw('GET', `${issuer.url}/.well-known/openid-configuration`)).body) as Record<string, unknown>;
    expect(conf).toMatchObject({ issuer: issuer.url, jwks_uri: `${issuer.url}/.well-known/jwks` });
  });

  test('token-endpoint faults and request counting', async () => {
    const before = issuer.requests;
    issuer.setFault({ status: 503, count: 1 });
    expect((await fetchIdToken('a')).status).toBe(503);
    expect((await fetchIdToken('a')).status).toBe(200);
    expect(issuer.requests - before).toBe(2);
    expect(issuer.tokenRequests.slice(-2)).toEqual([
      { audience: 'a', status: 503 },
      { audience: 'a', status: 200 },
    ]);
  });

  test('@actions/core getIDToken works against the stand-in', async () => {
    const saved = { url: process.env.ACTIONS_ID_TOKEN_REQUEST_URL, token: process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN };
    Object.assign(process.env, issuer.env);
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true); // swallow ::add-mask::
    try {
      const core = await import('@actions/core');
      const jwt = await core.getIDToken('sts.amazonaws.com');
      expect(claimsOf(jwt).aud).toBe('sts.amazonaws.com');
      expect(issuer.tokens).toContain(jwt);
    } finally {
      write.mockRestore();
      for (const [k, v] of [
        ['ACTIONS_ID_TOKEN_REQUEST_URL', saved.url],
        ['ACTIONS_ID_TOKEN_REQUEST_TOKEN', saved.token],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  test('AssumeRoleWithWebIdentity with a GitHub-style token, then a chained hop', async () => {
    const { value: token } = await fetchIdToken('sts.amazonaws.com');
    const out = await client().send(
      new AssumeRoleWithWebIdentityCommand({ RoleArn: GH_OIDC, RoleSessionName: 'gh-run', WebIdentityToken: token!, DurationSeconds: 7200 }),
    );
    expect(out.AssumedRoleUser!.Arn).toBe('arn:aws:sts::111111111111:assumed-role/gh-oidc/gh-run');
    expect(out.SubjectFromWebIdentityToken).toBe('repo:octo-org/octo-repo:ref:refs/heads/main');
    expect(out.Audience).toBe('sts.amazonaws.com');
    expect(out.Provider).toBe(`arn:aws:iam::111111111111:oidc-provider/${issuer.url.replace('http://', '')}`);
    expect(out.Credentials!.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(emu.calls[0]).toMatchObject({
      action: 'AssumeRoleWithWebIdentity',
      signer: null,
      status: 200,
      params: {
        RoleArn: GH_OIDC,
        RoleSessionName: 'gh-run',
        DurationSeconds: '7200',
        'WebIdentityToken.sub': 'repo:octo-org/octo-repo:ref:refs/heads/main',
        'WebIdentityToken.aud': 'sts.amazonaws.com',
      },
    });
    expect(emu.calls[0]!.params).not.toHaveProperty('WebIdentityToken');
    const web = {
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    };
    const f = await failure(client(web).send(new AssumeRoleCommand({ RoleArn: TARGET, RoleSessionName: 'hop-2', DurationSeconds: 7200 })));
    expect(f.message).toBe(MSG_CHAINING_LIMIT);
    const hop2 = await assume(web, { RoleArn: TARGET, RoleSessionName: 'hop-2' });
    expect(hop2.arn).toBe('arn:aws:sts::222222222222:assumed-role/target/hop-2');
    expect(emu.calls[2]!.signer).toMatchObject({ accessKeyId: web.accessKeyId, principalArn: out.AssumedRoleUser!.Arn, verified: true });
    expect(readFileSync(logFile, 'utf8')).not.toContain(token!);
  });

  test('wrong audience or subject is AccessDenied', async () => {
    const wrongAud = (await fetchIdToken('api://other')).value!;
    const f1 = await failure(client().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: GH_OIDC, RoleSessionName: 'ss', WebIdentityToken: wrongAud })));
    expect(f1).toEqual({ name: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity', status: 403 });
    const wrongSub = issuer.mint({ aud: 'sts.amazonaws.com', repository: 'evil-org/octo-repo' });
    expect(claimsOf(wrongSub).sub).toBe('repo:evil-org/octo-repo:ref:refs/heads/main');
    const f2 = await failure(client().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: GH_OIDC, RoleSessionName: 'ss', WebIdentityToken: wrongSub })));
    expect(f2.name).toBe('AccessDenied');
    const notTrusted = (await fetchIdToken('sts.amazonaws.com')).value!;
    const f3 = await failure(client().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: DEPLOY, RoleSessionName: 'ss', WebIdentityToken: notTrusted })));
    expect(f3.name).toBe('AccessDenied');
  });

  test('expired, forged and unknown-issuer tokens', async () => {
    issuer.setLifetime(-60);
    const expired = (await fetchIdToken('sts.amazonaws.com')).value!;
    issuer.setLifetime(300);
    const f1 = await failure(client().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: GH_OIDC, RoleSessionName: 'ss', WebIdentityToken: expired })));
    expect(f1.name).toBe('ExpiredTokenException');
    expect(f1.status).toBe(400);
    expect(f1.message).toMatch(/^Token expired: current date\/time \d+ must be before the expiration date\/time \d+$/);

    // A fresh token expires once the emulated clock passes its exp.
    const fresh = (await fetchIdToken('sts.amazonaws.com')).value!;
    emu.advanceClock(301);
    try {
      const f2 = await failure(client().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: GH_OIDC, RoleSessionName: 'ss', WebIdentityToken: fresh })));
      expect(f2.name).toBe('ExpiredTokenException');
    } finally {
      emu.advanceClock(-301);
    }

    const [h, p] = fresh.split('.');
    const payload = { ...claimsOf(fresh), sub: 'repo:octo-org/octo-repo:ref:refs/heads/evil' };
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${fresh.split('.')[2]}`;
    expect(p).not.toBe(forged.split('.')[1]);
    const f3 = await failure(client().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: GH_OIDC, RoleSessionName: 'ss', WebIdentityToken: forged })));
    expect(f3).toMatchObject({ name: 'InvalidIdentityTokenException', code: 'InvalidIdentityToken' });
    expect(f3.status).toBe(400);

    const stranger = issuer.mint({ iss: 'https://token.example.invalid' });
    const f4 = await failure(client().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: GH_OIDC, RoleSessionName: 'ss', WebIdentityToken: stranger })));
    expect(f4).toEqual({
      name: 'InvalidIdentityTokenException',
      code: 'InvalidIdentityToken',
      message: 'No OpenIDConnect provider found in your account for https://token.example.invalid',
      status: 400,
    });
  });

  test('Tags are not accepted by AssumeRoleWithWebIdentity', async () => {
    const token = (await fetchIdToken('sts.amazonaws.com')).value!;
    const body = new URLSearchParams({
      Action: 'AssumeRoleWithWebIdentity',
      Version: '2011-06-15',
      RoleArn: GH_OIDC,
      RoleSessionName: 'ss',
      WebIdentityToken: token,
      'Tags.member.1.Key': 'team',
      'Tags.member.1.Value': 'core',
    }).toString();
    const res = await raw('POST', emu.url, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body);
    expect(res.status).toBe(400);
    expect(res.body).toContain('<Code>ValidationError</Code>');
    expect(res.body).toContain('Tags.member.1.Key');
    expect(emu.calls[0]!.params).not.toHaveProperty('WebIdentityToken');
  });
});

describe('faults, wire format, SigV4 details', () => {
  test('fault count: 2 × Throttling, then success on the SDK’s third attempt', async () => {
    emu.setFault(FLAKY, { code: 'Throttling', status: 400, count: 2 });
    const c = client(CI, { maxAttempts: 3, retryStrategy: new ConfiguredRetryStrategy(3, 5) });
    const out = await c.send(new AssumeRoleCommand({ RoleArn: FLAKY, RoleSessionName: 'retry' }));
    expect(out.AssumedRoleUser!.Arn).toBe('arn:aws:sts::222222222222:assumed-role/flaky/retry');
    expect(emu.calls.map((x) => [x.status, x.result.errorCode])).toEqual([
      [400, 'Throttling'],
      [400, 'Throttling'],
      [200, undefined],
    ]);
    expect(emu.calls[0]!.result.message).toBe('Rate exceeded');
  });

  test('hang fault: a client with a short requestTimeout gives up; the next call is answered', async () => {
    emu.setFault(FLAKY, { hang: true, count: 1 });
    const started = Date.now();
    const f = await failure(
      client(CI, { requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true } }).send(
        new AssumeRoleCommand({ RoleArn: FLAKY, RoleSessionName: 'hh' }),
      ),
    );
    expect(f.name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(emu.calls[0]).toMatchObject({ status: 0, result: { errorCode: 'Hang' } });
    expect((await assume(CI, { RoleArn: FLAKY, RoleSessionName: 'hh' })).arn).toContain('assumed-role/flaky/hh');
  });

  test('always-on fault with -1, delay, and the Receiver error type for 5xx', async () => {
    emu.setFault(FLAKY, { code: 'InternalFailure', status: 500, count: -1, delayMs: 50 });
    try {
      const body = `Action=AssumeRole&Version=2011-06-15&RoleArn=${encodeURIComponent(FLAKY)}&RoleSessionName=xx`;
      for (let i = 0; i < 2; i++) {
        const f = await failure(client(CI).send(new AssumeRoleCommand({ RoleArn: FLAKY, RoleSessionName: 'xx' })));
        expect(f).toMatchObject({ name: 'InternalFailure', status: 500 });
      }
      const signed = await signedPost(body, CI);
      expect(signed.status).toBe(500);
      expect(signed.body).toContain('<Type>Receiver</Type>');
      expect(signed.body).toContain('<Code>InternalFailure</Code>');
      // Unsigned raw request: auth is checked before faults.
      const res = await raw('POST', emu.url, { 'content-type': 'application/x-www-form-urlencoded' }, body);
      expect(res.status).toBe(403);
      expect(res.body).toContain('<Code>MissingAuthenticationToken</Code>');
      expect(emu.calls.map((c) => c.status)).toEqual([500, 500, 500, 403]);
    } finally {
      emu.setFault(FLAKY, null);
    }
  });

  test('ErrorResponse XML has AWS’s shape and headers', async () => {
    const res = await raw('POST', emu.url, { 'content-type': 'application/x-www-form-urlencoded' }, 'Action=GetCallerIdentity&Version=2011-06-15');
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toBe('text/xml');
    const id = res.headers['x-amzn-requestid'] as string;
    expect(res.body).toBe(
      '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n  <Error>\n    <Type>Sender</Type>\n' +
        '    <Code>MissingAuthenticationToken</Code>\n    <Message>Request is missing Authentication Token</Message>\n' +
        `  </Error>\n  <RequestId>${id}</RequestId>\n</ErrorResponse>\n`,
    );
    const bad = await raw('POST', emu.url, { 'content-type': 'application/x-www-form-urlencoded' }, 'Action=GetSessionToken&Version=2011-06-15');
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('<Code>InvalidAction</Code>');
  });

  test('independent SigV4 signer: GET with query string, presigned URL, tampering, clock skew', async () => {
    const { hostname, port } = new URL(emu.url);
    const signer = new SignatureV4({ service: 'sts', region: 'eu-west-1', credentials: CI, sha256: NodeSha256 });
    const base = {
      method: 'GET',
      protocol: 'http:',
      hostname,
      port: Number(port),
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15', 'Odd Key': "a b+c/d*e'(f)" },
      headers: { host: `${hostname}:${port}` },
    };
    const qs = (q: Record<string, unknown> | undefined): string =>
      Object.entries(q ?? {})
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
        .join('&');

    // GET with the Authorization header.
    const getReq = await signer.sign({ ...base, query: { Action: 'GetCallerIdentity', Version: '2011-06-15' } });
    const get = await raw('GET', `${emu.url}/?${qs(getReq.query)}`, getReq.headers as Record<string, string>);
    expect(get.status).toBe(200);
    expect(get.body).toContain('<Arn>arn:aws:iam::111111111111:user/ci</Arn>');
    expect(emu.calls.at(-1)!.signer).toMatchObject({ region: 'eu-west-1', verified: true });

    // Presigned URL (query auth), with an odd parameter that needs RFC 3986 encoding.
    const pre = await signer.presign({ ...base, query: { Action: 'GetCallerIdentity', Version: '2011-06-15' } }, { expiresIn: 60 });
    const presigned = await raw('GET', `${emu.url}/?${qs(pre.query)}`, { host: `${hostname}:${port}` });
    expect(presigned.status).toBe(200);
    const odd = await signer.sign(base);
    const oddRes = await raw('GET', `${emu.url}/?${qs(odd.query)}`, odd.headers as Record<string, string>);
    // The signature over the odd parameter verifies; the parameter itself is then refused.
    expect(oddRes.body).toContain('The parameter Odd Key is not recognized by GetCallerIdentity.');
    expect(emu.calls.at(-1)!.signer?.verified).toBe(true);

    // A signed POST whose body is changed afterwards.
    const post = await signer.sign({
      ...base,
      method: 'POST',
      query: {},
      headers: { host: `${hostname}:${port}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    const okPost = await raw('POST', emu.url, post.headers as Record<string, string>, 'Action=GetCallerIdentity&Version=2011-06-15');
    expect(okPost.status).toBe(200);
    const tampered = await raw('POST', emu.url, post.headers as Record<string, string>, 'Action=GetCallerIdentity&Version=2011-06-15&x=');
    expect(tampered.status).toBe(403);
    expect(tampered.body).toContain('<Code>SignatureDoesNotMatch</Code>');

    // Signed 20 minutes ago.
    const old = await signer.sign(
      { ...base, query: { Action: 'GetCallerIdentity', Version: '2011-06-15' } },
      { signingDate: new Date(Date.now() - 20 * 60_000) },
    );
    const stale = await raw('GET', `${emu.url}/?${qs(old.query)}`, old.headers as Record<string, string>);
    expect(stale.status).toBe(403);
    expect(stale.body).toMatch(/<Message>Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)<\/Message>/);

    // Wrong service in the scope.
    const iam = new SignatureV4({ service: 'iam', region: 'us-east-1', credentials: CI, sha256: NodeSha256 });
    const wrongSvc = await iam.sign({ ...base, query: { Action: 'GetCallerIdentity', Version: '2011-06-15' } });
    const svc = await raw('GET', `${emu.url}/?${qs(wrongSvc.query)}`, wrongSvc.headers as Record<string, string>);
    expect(svc.body).toContain("Credential should be scoped to correct service: 'sts'.");
  });

  test('call log file, issued secrets, and no secrets in the log', async () => {
    const hop1 = await assume(CI, { RoleArn: DEPLOY, RoleSessionName: 'leak-check' });
    await client(hop1).send(new GetCallerIdentityCommand({}));
    const secrets = emu.issuedSecrets();
    expect(secrets).toEqual(expect.arrayContaining([hop1.accessKeyId, hop1.secretAccessKey, hop1.sessionToken]));
    const lines = readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; time: string });
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.at(-1)!.action).toBe('GetCallerIdentity');
    expect(Number.isNaN(Date.parse(lines.at(-1)!.time))).toBe(false);
    const text = readFileSync(logFile, 'utf8');
    for (const s of [...secrets.filter((x) => !x.startsWith('ASIA')), CI.secretAccessKey, ...issuer.tokens]) {
      expect(text.includes(s)).toBe(false);
    }
  });
});

describe('credential endpoints (container, IMDSv2)', () => {
  test('container credentials serve session keys for a world user', async () => {
    const res = await raw('GET', emu.containerCredentialsUrl(CI.accessKeyId));
    expect(res.status).toBe(200);
    const c = JSON.parse(res.body) as { AccessKeyId: string; SecretAccessKey: string; Token: string; Expiration: string };
    expect(c.AccessKeyId).toMatch(/^ASIA/);
    expect(c.Expiration).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const who = await client({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.Token }).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe('arn:aws:iam::111111111111:user/ci');
    expect((await raw('GET', emu.containerCredentialsUrl('AKIANOSUCHUSER000000'))).status).toBe(404);
  });

  test('IMDSv2 token, profile listing and credentials', async () => {
    expect((await raw('GET', `${emu.url}/latest/meta-data/iam/security-credentials/`)).status).toBe(401);
    const tok = await raw('PUT', `${emu.url}/latest/api/token`, { 'x-aws-ec2-metadata-token-ttl-seconds': '60' });
    expect(tok.status).toBe(200);
    const h = { 'x-aws-ec2-metadata-token': tok.body };
    const list = await raw('GET', `${emu.url}/latest/meta-data/iam/security-credentials/`, h);
    expect(list.body).toBe('runner');
    const creds = JSON.parse((await raw('GET', `${emu.url}/latest/meta-data/iam/security-credentials/runner`, h)).body) as Record<string, string>;
    expect(creds).toMatchObject({ Code: 'Success', Type: 'AWS-HMAC', AccessKeyId: RUNNER.accessKeyId, Token: RUNNER.sessionToken });
    expect(emu.calls.at(-1)).toMatchObject({ action: 'InstanceMetadata', status: 200 });
  });
});

describe('world files and the standalone CLI', () => {
  test('validation lists every problem', () => {
    expect(validateWorld(JSON.parse(readFileSync(FIXTURE, 'utf8')))).toEqual([]);
    const bad = {
      users: [{ arn: 'arn:aws:iam::1:user/x', accessKeyId: 'A', secretAccessKey: 's' }],
      roles: [{ arn: 'arn:aws:iam::111111111111:user/not-a-role', trust: {}, maxSessionDuration: 60 }],
    };
    expect(() => resolveWorld(bad)).toThrow(/users\[0\]\.arn[\s\S]*roles\[0\]\.arn[\s\S]*roles\[0\]\.maxSessionDuration/);
  });

  test('faults and disabled regions from the world file', async () => {
    const world: World = {
      users: [{ arn: 'arn:aws:iam::111111111111:user/u', accessKeyId: 'AKIAWORLDFAULTUSER01', secretAccessKey: 'w'.repeat(40) }],
      roles: [
        {
          arn: 'arn:aws:iam::111111111111:role/broken',
          trust: { principals: ['111111111111'] },
          faults: { code: 'RegionDisabledException', count: -1, message: 'off' },
        },
      ],
      disabledRegions: ['ap-east-1'],
    };
    const e2 = await startStsEmulator({ world });
    try {
      const creds = { accessKeyId: 'AKIAWORLDFAULTUSER01', secretAccessKey: 'w'.repeat(40) };
      const c = new STSClient({ endpoint: e2.url, region: 'us-east-1', maxAttempts: 1, credentials: creds });
      const f = await failure(c.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111111111111:role/broken', RoleSessionName: 'ss' })));
      expect(f).toEqual({ name: 'RegionDisabledException', message: 'off', status: 403 });
      const hk = new STSClient({ endpoint: e2.url, region: 'ap-east-1', maxAttempts: 1, credentials: creds });
      const f2 = await failure(hk.send(new GetCallerIdentityCommand({})));
      expect(f2.name).toBe('RegionDisabledException');
      expect(f2.message).toMatch(/^STS is not activated in this region for account:111111111111\./);
    } finally {
      await e2.close();
    }
  });

  test('scripts/emulator.ts prints its URLs as one JSON line and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/emulator.ts', '--world', FIXTURE], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', () => reject(new Error(`emulator exited early: ${stderr}`)));
      });
      const info = JSON.parse(line) as { sts: string; oidcIssuer: string; idTokenRequestUrl: string; idTokenRequestToken: string };
      expect(info.sts).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(info.idTokenRequestUrl).toBe(`${info.oidcIssuer}/_apis/idtoken?api-version=2.0`);
      const who = await new STSClient({ endpoint: info.sts, region: 'us-east-1', maxAttempts: 1, credentials: CI }).send(new GetCallerIdentityCommand({}));
      expect(who.Arn).toBe('arn:aws:iam::111111111111:user/ci');
      // The world's ${OIDC_ISSUER} was filled in: a token from the CLI's issuer is accepted.
      const tokenRes = await raw('GET', `${info.idTokenRequestUrl}&audience=sts.amazonaws.com`, {
        authorization: `Bearer ${info.idTokenRequestToken}`,
      });
      const token = (JSON.parse(tokenRes.body) as { value: string }).value;
      const web = await new STSClient({ endpoint: info.sts, region: 'us-east-1', maxAttempts: 1 }).send(
        new AssumeRoleWithWebIdentityCommand({ RoleArn: GH_OIDC, RoleSessionName: 'cli', WebIdentityToken: token }),
      );
      expect(web.AssumedRoleUser!.Arn).toBe('arn:aws:sts::111111111111:assumed-role/gh-oidc/cli');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
