/**
 * The bundled action sends its STS calls through the lean client (src/sts/lean.ts), and through the
 * SDK client only where endpoint.ts decides so: told apart by the User-Agent a recording STS stand-in
 * receives. Both paths end in the same checked session; the signature itself is checked by the
 * emulator in every other e2e test.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Job, NODE24_BIN, assertNoLeaks, type StepResult } from './support/harness.js';

const USER = { id: 'AKIALEANTESTUSER0001', secret: 'leanTestSecretKey/0123456789abcdefghijKLMN' };
const ROLE = 'arn:aws:iam::222222222222:role/deployer';
const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

let server: Server;
let url: string;
let job: Job;
const seen: { headers: IncomingHttpHeaders; path: string; body: string }[] = [];
const issued: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ headers: req.headers, path: req.url ?? '', body });
      const p = new URLSearchParams(body);
      const c = {
        id: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
        secret: randomBytes(30).toString('base64'),
        token: `IQoJb3JpZ2luX2Vj${randomBytes(200).toString('base64')}`,
      };
      issued.push(c.id, c.secret, c.token);
      const exp = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
      const session = p.get('RoleSessionName') ?? '';
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<AssumeRoleResponse xmlns="${NS}"><AssumeRoleResult><Credentials><AccessKeyId>${c.id}</AccessKeyId><SecretAccessKey>${c.secret}</SecretAccessKey>` +
          `<SessionToken>${c.token}</SessionToken><Expiration>${exp}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROAX:${session}</AssumedRoleId>` +
          `<Arn>arn:aws:sts::222222222222:assumed-role/deployer/${session}</Arn></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>`,
      );
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((ok) => server.close(ok));
});
beforeEach(() => {
  seen.length = 0;
  job = new Job({ secrets: [USER.secret] });
});
afterEach(async () => {
  await job.cleanup();
});

function run(): Promise<StepResult> {
  return job.runStep({
    node: NODE24_BIN,
    entry: 'main',
    inputs: {
      'aws-region': 'eu-west-1',
      'aws-access-key-id': USER.id,
      'aws-secret-access-key': USER.secret,
      'role-to-assume': ROLE,
      'sts-endpoint': url,
      'role-session-name': 'lean',
    },
  });
}

function succeeded(r: StepResult): void {
  expect(r.errors).toEqual([]);
  expect(r.exitCode).toBe(0);
  expect(r.outputs['aws-account-id']).toBe('222222222222');
  expect(seen).toHaveLength(1);
  expect(seen[0]!.path).toBe('/');
  assertNoLeaks(r, issued);
}

test('by default the lean client makes the call: its User-Agent, SigV4 on the body it sent, the SDK’s Query body', async () => {
  const r = await run();
  succeeded(r);
  const { headers, body } = seen[0]!;
  expect(headers['user-agent']).toBe('aws-assume-chain');
  expect(headers['authorization']).toMatch(
    new RegExp(
      `^AWS4-HMAC-SHA256 Credential=${USER.id}/\\d{8}/eu-west-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$`,
    ),
  );
  // The default session tags follow the role, in the SDK serialiser's order (sts-lean-signing.test.ts compares it byte for byte).
  expect(body).toMatch(
    new RegExp(
      `^Action=AssumeRole&Version=2011-06-15&RoleArn=${encodeURIComponent(ROLE)}&RoleSessionName=lean&Tags\\.member\\.1\\.Key=GitHub&Tags\\.member\\.1\\.Value=Actions&`,
    ),
  );
});

test('an endpoint setting in ~/.aws/config sends the call to the SDK client, which succeeds the same way', async () => {
  fs.mkdirSync(path.join(job.dirs.home, '.aws'), { recursive: true });
  fs.writeFileSync(
    path.join(job.dirs.home, '.aws', 'config'),
    '[default]\nservices = elsewhere\n\n[services elsewhere]\nsqs =\n  endpoint_url = http://127.0.0.1:9\n',
  );
  const r = await run();
  succeeded(r);
  expect(seen[0]!.headers['user-agent']).toMatch(/^aws-sdk-js\/.* aws-assume-chain$/);
});
