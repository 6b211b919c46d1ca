/**
 * The bundled action against a hostile STS endpoint and token service (support/hostile-server.ts):
 * replies for another identity, impossible expirations, malformed keys, oversized and dripping bodies,
 * a token service that echoes the request's Authorization header. Each is one clear `::error::` line,
 * in bounded time and memory, with nothing exported and nothing leaked.
 */
import { exec } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Job, NODE24_BIN, REPO_ROOT, assertNoLeaks, type StepResult, type StepOptions } from './support/harness.js';
import { startHostileServer, HUGE_BYTES, type HostileServer, type StsMode } from './support/hostile-server.js';

const ROLE = 'arn:aws:iam::123456789012:role/ci/deployer';
const KEYS = { 'aws-access-key-id': 'AKIAHOSTILETEST0001', 'aws-secret-access-key': 'hostileTestSecretKey/0123456789abcdefghij' };
const REQUEST_TOKEN = 'request-token-6f1c2a9e8b7d4c3f';

let server: HostileServer;
let job: Job;
beforeEach(async () => {
  server = await startHostileServer();
  job = new Job({ secrets: [REQUEST_TOKEN, KEYS['aws-secret-access-key']] });
});
afterEach(async () => {
  await job.cleanup();
  await server.close();
});

function run(inputs: Record<string, string>, opts: Partial<StepOptions> = {}): Promise<StepResult> {
  return job.runStep({
    node: NODE24_BIN,
    entry: 'main',
    inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE, 'role-session-name': 'hostile-test', ...inputs },
    env: server.env(REQUEST_TOKEN),
    ...opts,
  });
}

/** One error line, no stack, nothing exported or written, no secret of the step or the server in the log or files. */
function failedCleanly(r: StepResult, message: RegExp): void {
  expect(r.timedOut).toBe(false);
  expect(r.exitCode).toBe(1);
  expect(r.errors).toHaveLength(1);
  expect(r.errors[0]).toMatch(message);
  expect(r.exportedEnv).toEqual({});
  expect(r.outputs).toEqual({});
  expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  assertNoLeaks(r, [...server.issued]);
}

test("an honest reply is accepted, and aws-account-id is the requested role's account", async () => {
  const r = await run({});
  expect(r.errors).toEqual([]);
  expect(r.exitCode).toBe(0);
  expect(r.outputs['aws-account-id']).toBe('123456789012');
  expect(r.exportedEnv['AWS_ACCESS_KEY_ID']).toMatch(/^ASIA[0-9A-F]{16}$/);
});

describe('a reply that does not match the request is refused', () => {
  const cases: Array<[StsMode, RegExp]> = [
    ['other-account', /the session is in account "999999999999", not 123456789012/],
    ['other-role', /the session is for role "admin", not deployer/],
    ['other-session', /the session name is "someone-else", not the "hostile-test" sent/],
    ['expired', /Expiration 1970-01-01T00:00:00\.000Z is not in the future/],
    ['far-future', /Expiration 9999-12-31T23:59:59\.000Z is later than the 3600 s asked for allows/],
    ['long', /is later than the 3600 s asked for allows/],
    ['bad-key-id', /AccessKeyId does not have the shape of an AWS access key ID/],
    ['bad-secret', /SecretAccessKey does not have the shape of an AWS secret key/],
  ];
  test.each(cases)('web identity, %s', async (mode, message) => {
    server.stsMode = mode;
    const r = await run({});
    failedCleanly(r, message);
    expect(r.errors[0]).toContain(`AssumeRoleWithWebIdentity ${ROLE} failed: UnexpectedReply: the STS reply was refused`);
    expect(server.requests.sts).toBe(1); // final: the same endpoint would answer the same way
  });

  test('AssumeRole signed with keys, another account', async () => {
    server.stsMode = 'other-account';
    const r = await run({ ...KEYS });
    failedCleanly(r, /AssumeRole arn:aws:iam::123456789012:role\/ci\/deployer failed: UnexpectedReply: .*account "999999999999"/);
  });

  test('an explicit duration bounds the expiration', async () => {
    server.stsMode = 'long';
    const r = await run({ 'role-duration-seconds': '7200' });
    failedCleanly(r, /later than the 7200 s asked for allows/);
  });

  test('allowed-account-ids still refuses an honest reply for another account', async () => {
    const r = await run({ 'allowed-account-ids': '111111111111' });
    failedCleanly(r, /Input 'allowed-account-ids': .* account 123456789012, which is not in the allowed list/);
  });
});

describe('replies are read under a cap, in bounded memory', () => {
  // A heap this small holds the capped reply, not a 50 MB one parsed as XML (2 GiB before the cap).
  const smallHeap = { NODE_OPTIONS: '--max-old-space-size=96' };

  test.each(['huge', 'huge-declared'] as const)('STS %s (50 MB)', async (mode) => {
    server.stsMode = mode;
    const r = await run({}, { env: { ...server.env(REQUEST_TOKEN), ...smallHeap }, timeoutMs: 30_000 });
    failedCleanly(r, /ReplyTooLarge: http:\/\/127\.0\.0\.1:\d+: the reply is larger than 64 KiB and was refused/);
    expect(r.durationMs).toBeLessThan(15_000);
    expect(server.requests.sts).toBe(1);
    expect(server.bytesSent).toBeLessThan(HUGE_BYTES / 2); // the socket was closed, the rest never sent
  });

  test('token service: a 50 MB token', async () => {
    server.tokenMode = 'huge';
    const r = await run({}, { env: { ...server.env(REQUEST_TOKEN), ...smallHeap }, timeoutMs: 30_000 });
    failedCleanly(r, /Could not get a GitHub OIDC token .*the reply is larger than 64 KiB and was refused/);
    expect(server.requests.token).toBe(1);
    expect(server.requests.sts).toBe(0);
  });
});

describe("a reply one byte a second fails at the request deadline, not the step's", () => {
  test('STS, one attempt: the 10 s total deadline', async () => {
    server.stsMode = 'drip';
    const r = await run({ 'disable-retry': 'true' }, { timeoutMs: 40_000 });
    failedCleanly(r, /Timeout: http:\/\/127\.0\.0\.1:\d+ did not answer within 10 s/);
    expect(r.durationMs).toBeGreaterThan(9_000);
    expect(r.durationMs).toBeLessThan(25_000); // action-timeout-s is 300 s
  });

  test('STS: a request never reaches past action-timeout-s', async () => {
    server.stsMode = 'drip';
    const r = await run({ 'action-timeout-s': '4' }, { timeoutMs: 40_000 });
    failedCleanly(r, /did not answer within [\d.]+ s/);
    expect(r.durationMs).toBeLessThan(12_000);
  });

  test('token service, one attempt', async () => {
    server.tokenMode = 'drip';
    const r = await run({ 'disable-retry': 'true' }, { timeoutMs: 40_000 });
    failedCleanly(r, /the token service did not answer within 10 s/);
    expect(r.durationMs).toBeLessThan(25_000);
    expect(server.requests.sts).toBe(0);
  });
});

test("an STS error that echoes the request quotes neither the signer's keys nor the web identity token", async () => {
  // Hop 1 honest; hop 2 (signed with hop 1's session) answers with the whole request in its message.
  server.stsModes = { AssumeRole: 'echo-error' };
  const r = await run({ 'role-chain': `${ROLE}\narn:aws:iam::123456789012:role/second`, 'role-to-assume': '' });
  failedCleanly(r, /AssumeRole arn:aws:iam::123456789012:role\/second failed: UnknownError \(HTTP 403\): denied; you sent /);
  expect(r.errors[0]).toContain('Authorization: ***');
  expect(r.errors[0]).toContain('"x-amz-security-token":"***"');
});

describe('the token service cannot make the action print the request token', () => {
  test('the request token is masked before any request', async () => {
    const r = await run({});
    expect(r.exitCode).toBe(0);
    expect(r.masks[0]).toBe(REQUEST_TOKEN);
    const first = r.lines.findIndex((l) => l.command?.name === 'add-mask' && l.command.data === REQUEST_TOKEN);
    expect(first).toBe(0);
  });

  test('an error body echoing the Authorization header is quoted redacted', async () => {
    server.tokenMode = 'echo-auth';
    const r = await run({});
    failedCleanly(r, /token service answered HTTP 401: Unauthorized request\. Received headers: /);
    expect(r.errors[0]).not.toContain(REQUEST_TOKEN);
    expect(r.errors[0]).not.toMatch(/bearer\s+[^*\s]/i);
    expect(r.errors[0]!.length).toBeLessThan(600);
  });

  test('a value that is not a JWT is neither used nor printed', async () => {
    server.tokenMode = 'not-a-jwt';
    const r = await run({ 'disable-retry': 'true' });
    failedCleanly(r, /token service answered without a token/);
    expect(r.warnings).toEqual([]);
    expect(server.requests.sts).toBe(0);
  });
});

test("the refresh helper gives up at the plan's timeout, with one line on stderr", async () => {
  const main = await run({ refresh: 'true', 'aws-profile': 'deploy', 'action-timeout-s': '4' });
  expect(main.errors).toEqual([]);
  const config = fs.readFileSync(path.join(job.dirs.home, '.aws', 'config'), 'utf8');
  const line = /^credential_process = (.*)$/m.exec(config.slice(config.indexOf('[profile deploy]')))![1]!;
  // Two hours on, the cache is stale; STS now answers one byte a second.
  server.stsMode = 'drip';
  const env = {
    PATH: process.env['PATH'] ?? '',
    HOME: job.dirs.home,
    ...server.env(REQUEST_TOKEN),
    NODE_OPTIONS: `--import=${path.join(REPO_ROOT, '__tests__', 'fixtures', 'fake-clock.mjs')}`,
    FAKE_CLOCK_OFFSET_MS: String(2 * 3600 * 1000),
  };
  const started = Date.now();
  const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    exec(line, { env, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
  expect(out.code).toBe(1);
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(out.stdout).toBe('');
  expect(out.stderr).toMatch(/^aws-assume-chain credential-process: [^\n]*(did not answer within [\d.]+ s|timed out after 4 s)[^\n]*\n$/);
  for (const secret of [REQUEST_TOKEN, ...server.issued]) expect(out.stderr).not.toContain(secret);
});
