/**
 * Review 5: the lean STS client attacked through dist/ by a hostile endpoint that answers the first
 * request(s) in a chosen wrong way and then honestly: throttling by HTTP status, resets mid-body,
 * replies in odd but valid XML (BOM, comments, CDATA, character references inside the keys), odd
 * statuses. Secrets must appear only on ::add-mask:: lines.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Job, NODE24_BIN, assertNoLeaks, type StepResult } from './support/harness.js';

const USER = { id: 'AKIAREVIEW5USER00001', secret: 'review5SecretKey/0123456789abcdefghijKLMN' };
const ROLE = 'arn:aws:iam::222222222222:role/deployer';
const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

type Spoil = (res: ServerResponse, honest: string) => void;
let server: Server;
let url: string;
let job: Job;
let spoils: Spoil[] = [];
let requests = 0;
const issued: string[] = [];
let transform: (c: { id: string; secret: string; token: string }) => { id: string; secret: string; token: string } = (c) => c;

function honestReply(req: IncomingMessage, body: string): string {
  const p = new URLSearchParams(body);
  const c = {
    id: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secret: randomBytes(30).toString('base64'),
    token: `IQoJb3JpZ2luX2Vj${randomBytes(200).toString('base64')}`,
  };
  issued.push(c.id, c.secret, c.token);
  const w = transform(c);
  const exp = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const session = p.get('RoleSessionName') ?? '';
  void req;
  return (
    `<AssumeRoleResponse xmlns="${NS}"><AssumeRoleResult><Credentials><AccessKeyId>${w.id}</AccessKeyId><SecretAccessKey>${w.secret}</SecretAccessKey>` +
    `<SessionToken>${w.token}</SessionToken><Expiration>${exp}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROAX:${session}</AssumedRoleId>` +
    `<Arn>arn:aws:sts::222222222222:assumed-role/deployer/${session}</Arn></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>`
  );
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests++;
      const honest = honestReply(req, Buffer.concat(chunks).toString('utf8'));
      const spoil = spoils.shift();
      if (spoil) spoil(res, honest);
      else {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(honest);
      }
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((ok) => server.close(ok));
});
beforeEach(() => {
  spoils = [];
  requests = 0;
  transform = (c) => c;
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
      'role-session-name': 'review5',
    },
  });
}

function succeeded(r: StepResult, attempts: number): void {
  expect(r.errors).toEqual([]);
  expect(r.exitCode).toBe(0);
  expect(r.outputs['aws-account-id']).toBe('222222222222');
  expect(requests).toBe(attempts);
  assertNoLeaks(r, issued);
}

test('HTTP 429 without a readable body is throttling: retried, then succeeds', async () => {
  spoils = [
    (res) => {
      res.writeHead(429, { 'content-type': 'text/plain' });
      res.end('Too Many Requests');
    },
  ];
  const r = await run();
  succeeded(r, 2);
}, 60_000);

test('a reset in the middle of the body is transient: retried, then succeeds', async () => {
  spoils = [
    (res, honest) => {
      res.writeHead(200, { 'content-type': 'text/xml', 'content-length': String(honest.length) });
      res.write(honest.slice(0, 200));
      setTimeout(() => res.socket?.destroy(), 50);
    },
  ];
  const r = await run();
  succeeded(r, 2);
}, 60_000);

test('keys written with character references, CDATA and comments are read as STS means them, and masked', async () => {
  transform = (c) => ({
    id: `${c.id.slice(0, 4)}<!-- x -->${c.id.slice(4)}`,
    secret: c.secret.replace(/\+/g, '&#43;').replace(/\//g, '&#x2F;'),
    token: `<![CDATA[${c.token.slice(0, 20)}]]>${c.token.slice(20)}`,
  });
  spoils = [
    (res, honest) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(`\uFEFF<?xml version="1.0"?>\n<!DOCTYPE x>\n<!-- c -->\n${honest}`);
    },
  ];
  const r = await run();
  succeeded(r, 1);
  const [id, secret, token] = issued.slice(-3);
  expect(r.exportedEnv['AWS_ACCESS_KEY_ID']).toBe(id);
  expect(r.exportedEnv['AWS_SECRET_ACCESS_KEY']).toBe(secret);
  expect(r.exportedEnv['AWS_SESSION_TOKEN']).toBe(token);
  expect(r.masks).toEqual(expect.arrayContaining([secret, token]));
}, 60_000);

for (const [label, spoil] of Object.entries<Spoil>({
  '204': (res) => {
    res.writeHead(204);
    res.end();
  },
  '302 to a good endpoint': (res) => {
    res.writeHead(302, { location: url });
    res.end();
  },
  'gzip content-encoding': (res, honest) => {
    res.writeHead(200, { 'content-type': 'text/xml', 'content-encoding': 'gzip' });
    res.end(gzipSync(honest));
  },
  'an error message carrying a workflow command': (res) => {
    res.writeHead(403, { 'content-type': 'text/xml' });
    res.end(
      `<ErrorResponse><Error><Code>AccessDenied</Code><Message>no&#10;::warning::review5-injected&#13;&#10;::add-mask::x</Message></Error></ErrorResponse>`,
    );
  },
})) {
  test(`${label}: one typed line, no retry storm, nothing injected`, async () => {
    spoils = [spoil, spoil, spoil, spoil, spoil, spoil];
    const r = await run();
    expect(r.exitCode).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).not.toMatch(/\n/);
    expect(r.warnings.join('\n')).not.toContain('review5-injected');
    expect(r.masks).not.toContain('x');
    assertNoLeaks(r, issued);
  }, 60_000);
}

describe('a hostile ~/.aws/config', () => {
  const posix = process.platform === 'win32' ? test.skip : test; // mkfifo: POSIX only
  posix(
    'a FIFO at ~/.aws/config does not hang the step: one ConfigError naming the file (the SDK would wait on it for ever)',
    async () => {
      const fs = await import('node:fs');
      const path = await import('node:path');
      const { execFileSync } = await import('node:child_process');
      fs.mkdirSync(path.join(job.dirs.home, '.aws'), { recursive: true });
      execFileSync('mkfifo', [path.join(job.dirs.home, '.aws', 'config')]);
      const r = await job.runStep({
        node: NODE24_BIN,
        entry: 'main',
        timeoutMs: 30_000,
        inputs: {
          'aws-region': 'eu-west-1',
          'aws-access-key-id': USER.id,
          'aws-secret-access-key': USER.secret,
          'role-to-assume': ROLE,
          'sts-endpoint': url,
          'role-session-name': 'review5',
        },
      });
      expect(r.timedOut).toBe(false);
      expect(r.exitCode).toBe(1);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toMatch(/\.aws[\\/]config is a FIFO \(named pipe\), not a regular file/);
      assertNoLeaks(r, issued);
    },
    60_000,
  );
});

test('a directory at ~/.aws/config is skipped as the SDK skips it: the step succeeds', async () => {
  const fs = await import('node:fs');
  const path = await import('node:path');
  fs.mkdirSync(path.join(job.dirs.home, '.aws', 'config'), { recursive: true });
  const r = await run();
  succeeded(r, 1);
}, 60_000);

test('AWS_ENDPOINT_URL_STS empty and AWS_ENDPOINT_URL set: the empty variable counts as unset, as in the SDK', async () => {
  const r = await job.runStep({
    node: NODE24_BIN,
    entry: 'main',
    env: { AWS_ENDPOINT_URL_STS: '', AWS_ENDPOINT_URL: url },
    inputs: {
      'aws-region': 'eu-west-1',
      'aws-access-key-id': USER.id,
      'aws-secret-access-key': USER.secret,
      'role-to-assume': ROLE,
      'role-session-name': 'review5',
    },
  });
  succeeded(r, 1);
}, 60_000);

describe('a hostile AWS_CONFIG_FILE', () => {
  const posix = process.platform === 'win32' ? test.skip : test; // mkfifo: POSIX only
  posix(
    'a FIFO named by AWS_CONFIG_FILE does not hang the step',
    async () => {
      const path = await import('node:path');
      const { execFileSync } = await import('node:child_process');
      const fifo = path.join(job.dirs.home, 'config-fifo');
      execFileSync('mkfifo', [fifo]);
      const r = await job.runStep({
        node: NODE24_BIN,
        entry: 'main',
        timeoutMs: 30_000,
        env: { AWS_CONFIG_FILE: fifo },
        inputs: {
          'aws-region': 'eu-west-1',
          'aws-access-key-id': USER.id,
          'aws-secret-access-key': USER.secret,
          'role-to-assume': ROLE,
          'sts-endpoint': url,
          'role-session-name': 'review5',
        },
      });
      expect(r.timedOut).toBe(false);
      expect(r.exitCode).toBe(1);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toContain(`${fifo} is a FIFO (named pipe), not a regular file`);
      assertNoLeaks(r, issued);
    },
    60_000,
  );
});
