/**
 * The lean STS client's request (src/sts/sigv4.ts, query.ts, lean.ts buildRequest) against oracles:
 * @smithy/signature-v4 for the signature, the emulator's own verifier, and the SDK's Query serialiser
 * (the body @aws-sdk/client-sts hands its HTTP handler) for the parameters.
 */
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { buildRequest } from '../src/sts/lean.js';
import { queryBody, type StsParams } from '../src/sts/query.js';
import { amzDate, encodeRfc3986, signRequest } from '../src/sts/sigv4.js';
import { parseSigV4, verifySigV4 } from './support/sigv4.js';

const bytes = (d: ArrayBuffer | ArrayBufferView) => (ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : new Uint8Array(d));

/** node:crypto behind the hash interface @smithy/signature-v4 expects. */
class Sha256 {
  private h;
  private readonly secret?: string | Uint8Array;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret = secret === undefined || typeof secret === 'string' ? secret : bytes(secret);
    this.h = this.secret ? createHmac('sha256', this.secret) : createHash('sha256');
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(typeof data === 'string' ? data : bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {
    this.h = this.secret ? createHmac('sha256', this.secret) : createHash('sha256');
  }
}

const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const keysArb = fc.record({
  accessKeyId: fc.stringMatching(/^A[SK]IA[A-Z0-9]{16}$/),
  secretAccessKey: fc.base64String({ minLength: 40, maxLength: 40 }),
  sessionToken: fc.option(fc.base64String({ minLength: 8, maxLength: 300 }), { nil: undefined }),
});
const timeArb = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true });

describe('SigV4 on node:crypto', () => {
  test('equals @smithy/signature-v4 for any keys, time, region, path and body', async () => {
    await fc.assert(
      fc.asyncProperty(
        keysArb,
        timeArb,
        fc.constantFrom('us-east-1', 'eu-central-2', 'cn-north-1', 'us-gov-west-1'),
        fc.constantFrom('/', '/sts/', '/a%20b/', '/x/./y/../z/'),
        text,
        async (keys, now, region, path, value) => {
          const body = `Action=AssumeRole&Version=2011-06-15&RoleSessionName=${encodeRfc3986(value)}`;
          const headers = { host: 'sts.example.test:8443', 'content-type': 'application/x-www-form-urlencoded' };
          const ours = signRequest({ path, headers, body, region, service: 'sts', now }, keys);
          const oracle = new SignatureV4({ service: 'sts', region, sha256: Sha256, credentials: keys });
          const theirs = await oracle.sign(
            { method: 'POST', protocol: 'https:', hostname: 'sts.example.test', port: 8443, path, query: {}, headers: { ...headers }, body },
            { signingDate: now },
          );
          expect(ours['authorization']).toBe(theirs.headers['authorization']);
          expect(ours['x-amz-date']).toBe(theirs.headers['x-amz-date']);
          expect(ours['x-amz-security-token']).toBe(theirs.headers['x-amz-security-token']);
        },
      ),
      { numRuns: 150 },
    );
  });

  test("passes the emulator's verifier; a changed body or a wrong secret does not", () => {
    const keys = { accessKeyId: 'AKIAEXAMPLEEXAMPLE01', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: 'tok' };
    const now = new Date();
    const req = buildRequest(
      'AssumeRole',
      { RoleArn: 'arn:aws:iam::123456789012:role/x', RoleSessionName: 's p' },
      { url: new URL('http://127.0.0.1:4566'), region: 'eu-west-1' },
      keys,
      now,
    );
    const received = (body: string) => ({ method: 'POST', url: req.path, rawHeaders: Object.entries(req.headers).flat(), body: Buffer.from(body) });
    const parsed = parseSigV4(received(req.body));
    if (parsed.kind !== 'sigv4') throw new Error(`not parsed: ${JSON.stringify(parsed)}`);
    expect(parsed.auth).toMatchObject({ accessKeyId: keys.accessKeyId, region: 'eu-west-1', service: 'sts', sessionToken: 'tok', amzDate: amzDate(now) });
    expect(verifySigV4(received(req.body), parsed.auth, keys.secretAccessKey).ok).toBe(true);
    expect(verifySigV4(received(`${req.body}x`), parsed.auth, keys.secretAccessKey).ok).toBe(false);
    expect(verifySigV4(received(req.body), parsed.auth, `${keys.secretAccessKey}x`).ok).toBe(false);
    // User-Agent is sent, unsigned (a proxy may rewrite it); the session token comes before the signature.
    expect(req.headers['user-agent']).toBe('aws-assume-chain');
    expect(parsed.auth.signedHeaders).not.toContain('user-agent');
    const names = Object.keys(req.headers);
    expect(names.indexOf('x-amz-security-token')).toBeLessThan(names.indexOf('authorization'));
  });

  test('AssumeRoleWithWebIdentity is sent unsigned, as the SDK sends it', () => {
    const req = buildRequest(
      'AssumeRoleWithWebIdentity',
      { RoleArn: 'r', RoleSessionName: 's', WebIdentityToken: 't' },
      { url: new URL('https://sts.us-east-1.amazonaws.com'), region: 'us-east-1' },
      undefined,
      new Date(),
    );
    expect(Object.keys(req.headers).sort()).toEqual(['content-type', 'host', 'user-agent']);
    expect(req.path).toBe('/');
    expect(req.headers['host']).toBe('sts.us-east-1.amazonaws.com');
  });
});

/** The body the SDK's serialiser writes for `command` (its handler is stopped before sending). */
async function sdkBody(
  command: AssumeRoleCommand | AssumeRoleWithWebIdentityCommand | GetCallerIdentityCommand,
  signed: boolean,
): Promise<{ body: string; path: string; headers: Record<string, string> }> {
  let seen: { body: string; path: string; headers: Record<string, string> } | undefined;
  const handler = {
    metadata: { handlerProtocol: 'http/1.1' },
    handle: async (req: { body: string; path: string; headers: Record<string, string> }) => {
      seen = { body: req.body, path: req.path, headers: req.headers };
      throw new Error('stop');
    },
  };
  const sts = new STSClient({
    region: 'us-east-1',
    endpoint: 'https://sts.example.test/base',
    maxAttempts: 1,
    credentials: signed ? { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' } : undefined,
    requestHandler: handler as never,
  });
  await expect(sts.send(command as never)).rejects.toThrow('stop');
  return seen!;
}

const tagArb = fc.record({ Key: text, Value: text });
const assumeRoleParams = fc.record(
  {
    RoleArn: text,
    RoleSessionName: text,
    DurationSeconds: fc.integer({ min: 900, max: 43200 }),
    ExternalId: text,
    Policy: text,
    PolicyArns: fc.array(text, { minLength: 1, maxLength: 3 }),
    Tags: fc.array(tagArb, { minLength: 1, maxLength: 3 }),
    TransitiveTagKeys: fc.array(text, { minLength: 1, maxLength: 3 }),
    SourceIdentity: text,
    SerialNumber: text,
    TokenCode: fc.stringMatching(/^\d{6}$/),
  },
  { requiredKeys: ['RoleArn', 'RoleSessionName'] },
);

describe('the Query body is the SDK serialiser’s, byte for byte', () => {
  test('AssumeRole, any subset of its parameters, any text', async () => {
    await fc.assert(
      fc.asyncProperty(assumeRoleParams, async (p: StsParams) => {
        const sdk = await sdkBody(
          new AssumeRoleCommand({
            ...p,
            PolicyArns: p.PolicyArns?.map((arn) => ({ arn })),
            Tags: p.Tags?.map((t) => ({ ...t })),
            TransitiveTagKeys: p.TransitiveTagKeys && [...p.TransitiveTagKeys],
          } as never),
          true,
        );
        expect(queryBody('AssumeRole', p)).toBe(sdk.body);
      }),
      { numRuns: 150 },
    );
  });

  test('AssumeRoleWithWebIdentity and GetCallerIdentity', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            RoleArn: text,
            RoleSessionName: text,
            WebIdentityToken: text,
            ProviderId: text,
            DurationSeconds: fc.integer({ min: 900, max: 43200 }),
            Policy: text,
            PolicyArns: fc.array(text, { minLength: 1, maxLength: 3 }),
          },
          { requiredKeys: ['RoleArn', 'RoleSessionName', 'WebIdentityToken'] },
        ),
        async (p: StsParams) => {
          const sdk = await sdkBody(new AssumeRoleWithWebIdentityCommand({ ...p, PolicyArns: p.PolicyArns?.map((arn) => ({ arn })) } as never), false);
          expect(queryBody('AssumeRoleWithWebIdentity', p)).toBe(sdk.body);
        },
      ),
      { numRuns: 100 },
    );
    expect(queryBody('GetCallerIdentity')).toBe((await sdkBody(new GetCallerIdentityCommand({}), true)).body);
  });

  test('the path, the content type and the host are what the SDK sends', async () => {
    const sdk = await sdkBody(new GetCallerIdentityCommand({}), true);
    const ours = buildRequest(
      'GetCallerIdentity',
      {},
      { url: new URL('https://sts.example.test/base'), region: 'us-east-1' },
      { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
      new Date(),
    );
    expect(ours.path).toBe(sdk.path);
    expect(ours.headers['content-type']).toBe(sdk.headers['content-type']);
    expect(ours.headers['host']).toBe(sdk.headers['host']);
  });
});
