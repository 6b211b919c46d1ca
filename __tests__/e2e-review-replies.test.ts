/**
 * Ported from the security review (wt-review); assert the fixed behaviour.
 * REVIEW (issues 13/14): my own hostile STS replies against the bundled dist/. Failing tests are findings.
 */
import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Job, NODE24_BIN, type StepResult } from './support/harness.js';

const USER = { id: 'AKIAEMULATORUSER0001', secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const ROLE = 'arn:aws:iam::222222222222:role/deployer';
const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

type Reply = (params: URLSearchParams) => { status?: number; headers?: Record<string, string>; body: Buffer | string };
let server: Server;
let url: string;
let reply: Reply;
let job: Job;
const issued: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = reply(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(r.status ?? 200, { 'content-type': 'text/xml', ...(r.headers ?? {}) });
      res.end(r.body);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((ok) => server.close(ok));
});
beforeEach(() => {
  job = new Job({ secrets: [USER.secret, USER.id] });
});
afterEach(async () => {
  await job.cleanup();
});

function creds() {
  const c = {
    id: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secret: randomBytes(30).toString('base64'),
    token: `IQoJb3JpZ2luX2Vj${randomBytes(200).toString('base64')}`,
  };
  issued.push(c.id, c.secret, c.token);
  return c;
}

/** A correct AssumeRole reply with `inner` spliced in before </AssumeRoleResult> and `arnXml` as the AssumedRoleUser. */
function honest(p: URLSearchParams, opts: { extra?: string; arnXml?: string; credsXml?: string } = {}): string {
  const c = creds();
  const session = p.get('RoleSessionName') ?? 's';
  const exp = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const credsXml =
    opts.credsXml ??
    `<Credentials><AccessKeyId>${c.id}</AccessKeyId><SecretAccessKey>${c.secret}</SecretAccessKey><SessionToken>${c.token}</SessionToken><Expiration>${exp}</Expiration></Credentials>`;
  const arnXml =
    opts.arnXml ??
    `<AssumedRoleUser><AssumedRoleId>AROAX:${session}</AssumedRoleId><Arn>arn:aws:sts::222222222222:assumed-role/deployer/${session}</Arn></AssumedRoleUser>`;
  return `<AssumeRoleResponse xmlns="${NS}"><AssumeRoleResult>${credsXml}${arnXml}${opts.extra ?? ''}</AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>`;
}

async function run(extra: Record<string, string> = {}): Promise<StepResult> {
  return job.runStep({
    node: NODE24_BIN,
    entry: 'main',
    inputs: {
      'aws-region': 'us-east-1',
      'aws-access-key-id': USER.id,
      'aws-secret-access-key': USER.secret,
      'role-to-assume': ROLE,
      'sts-endpoint': url,
      'disable-retry': 'true',
      ...extra,
    },
    timeoutMs: 60_000,
  });
}

/** Nothing the runner would obey except masks and at most one error; no stack, no Unexpected error; no secret shown. */
function clean(r: StepResult): void {
  const cmds = r.lines
    .filter((l) => l.command)
    .map((l) => l.command!.name)
    .filter((n) => n !== 'add-mask' && n !== 'error');
  expect(cmds).toEqual([]);
  expect(r.stdout + r.stderr).not.toMatch(/Unexpected error|\n\s+at |Maximum call stack|RangeError|TypeError/);
  expect(r.stderr).toBe('');
  for (const s of [...issued, USER.secret]) expect(r.maskedLog).not.toContain(s);
  expect(r.stdout + r.stderr).not.toMatch(/[\u001b\u009b]/);
}

function failed(r: StepResult): void {
  expect(r.exitCode).toBe(1);
  expect(r.errors).toHaveLength(1);
  expect(r.errors[0]).not.toContain('\n');
  expect(r.exportedEnv).toEqual({});
  expect(r.outputs).toEqual({});
}

test('deeply nested XML inside the 64 kB cap: one clean error, no stack overflow', async () => {
  reply = () => ({
    body: `<AssumeRoleResponse xmlns="${NS}"><AssumeRoleResult>${'<a>'.repeat(20000)}${'</a>'.repeat(1)}</AssumeRoleResult></AssumeRoleResponse>`,
  });
  const r = await run();
  failed(r);
  clean(r);
  expect(r.errors[0]).toBe(`AssumeRole ${ROLE} failed: UnreadableReply (HTTP 200): the STS reply could not be read (HTTP 200)`);
});

test('deeply nested, well-formed XML inside the cap', async () => {
  reply = () => ({
    body: `<AssumeRoleResponse xmlns="${NS}"><AssumeRoleResult>${'<a>'.repeat(7000)}${'</a>'.repeat(7000)}</AssumeRoleResult></AssumeRoleResponse>`,
  });
  const r = await run();
  failed(r);
  clean(r);
  expect(r.errors[0]).toBe(`AssumeRole ${ROLE} failed: UnreadableReply (HTTP 200): the STS reply could not be read (HTTP 200)`);
});

test('a gzip-encoded reply (Content-Encoding: gzip) is not inflated past the cap', async () => {
  reply = (p) => ({ headers: { 'content-encoding': 'gzip' }, body: gzipSync(honest(p, { extra: `<Pad>${'A'.repeat(50 * 1024 * 1024)}</Pad>` })) });
  const r = await run();
  failed(r);
  clean(r);
});

test('a redirect to another host is not followed', async () => {
  reply = () => ({ status: 307, headers: { location: 'http://198.51.100.7/' }, body: '' });
  const r = await run();
  failed(r);
  clean(r);
  expect(r.errors[0]).toBe(`AssumeRole ${ROLE} failed: UnexpectedStatus (HTTP 307): unexpected HTTP 307 from the STS endpoint ${url}`);
});

test('duplicate Arn / AccessKeyId elements: refused cleanly, not an Unexpected error', async () => {
  reply = (p) => {
    const session = p.get('RoleSessionName') ?? 's';
    return {
      body: honest(p, {
        arnXml: `<AssumedRoleUser><AssumedRoleId>AROAX:${session}</AssumedRoleId><Arn>arn:aws:sts::222222222222:assumed-role/deployer/${session}</Arn><Arn>arn:aws:sts::999999999999:assumed-role/admin/${session}</Arn></AssumedRoleUser>`,
      }),
    };
  };
  const r = await run();
  clean(r);
  if (r.exitCode === 0) expect(r.outputs['aws-account-id']).toBe('222222222222');
  else failed(r);
});

test('hostile optional reply fields (SourceIdentity, PackedPolicySize) cannot print commands', async () => {
  reply = (p) => ({
    body: honest(p, {
      extra: `<SourceIdentity>&#10;::warning::INJECTED-SI&#13;##[warning]x\u001b]8;;http://e/\u0007</SourceIdentity><PackedPolicySize>&#10;::error::INJECTED-PP</PackedPolicySize>`,
    }),
  });
  const r = await run({ 'source-identity': 'ci' });
  clean(r);
});

test('an error reply whose Code/Message carry entities for line breaks and commands', async () => {
  reply = () => ({
    status: 403,
    body: `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>Access&#13;::warning::CODE-INJ</Code><Message>no&#10;::add-mask::%0A&#x85;::warning::MSG-INJ&#x2028;##[warning]y</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
  });
  const r = await run();
  failed(r);
  clean(r);
});
