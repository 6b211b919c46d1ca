/**
 * Simulated network latency of the STS emulator and the OIDC stand-in (`--latency oidc=MS,sts=MS`,
 * BENCH_LATENCY): every answer is held back, errors included; nothing else about the answer changes.
 * Lower bounds only: a delay must be at least what was asked, never "fast enough".
 */
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { GetCallerIdentityCommand, STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { formatLatency, parseLatency } from './support/emulator/latency.js';
import { Scenario, USER } from './support/scenario.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/world.json', import.meta.url));
const KEYS = { accessKeyId: USER.accessKeyId, secretAccessKey: USER.secretAccessKey };
/** setTimeout may fire up to a millisecond early by the wall clock's rounding; nothing more. */
const TIMER_SLACK_MS = 2;

let s: Scenario;
beforeAll(async () => {
  s = await Scenario.start();
});
afterAll(async () => {
  await s.stop();
});
afterEach(() => {
  s.sts.setResponseDelay(0);
  s.oidc.setResponseDelay(0);
});

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; at: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, at: performance.now() }));
    });
    req.on('error', reject);
    req.end();
  });
}

const sts = (endpoint: string) => new STSClient({ endpoint, region: 'us-east-1', maxAttempts: 1, credentials: KEYS });

describe('parseLatency', () => {
  test.each([
    ['oidc=80,sts=40', { oidcMs: 80, stsMs: 40 }],
    [' sts=30 ', { oidcMs: 0, stsMs: 30 }],
    ['oidc=0', { oidcMs: 0, stsMs: 0 }],
    ['', { oidcMs: 0, stsMs: 0 }],
  ])('%j', (text, want) => {
    expect(parseLatency(text)).toEqual(want);
    expect(parseLatency(formatLatency(want))).toEqual(want);
  });

  test.each(['sts=-1', 'sts=1.5', 'imds=3', 'sts', 'sts=99999', 'sts=1,sts=2', 'oidc=80;sts=40'])('%j is refused in one line naming the part', (text) => {
    expect(() => parseLatency(text)).toThrow(/^latency "[^"\n]+": [^\n]+$/);
  });
});

describe('the STS emulator', () => {
  test('holds every answer back, success and error alike, and logs the calls as before', async () => {
    s.sts.clearCalls();
    s.sts.setResponseDelay(150);
    let started = performance.now();
    const who = await sts(s.sts.url).send(new GetCallerIdentityCommand({}));
    expect(performance.now() - started).toBeGreaterThanOrEqual(150 - TIMER_SLACK_MS);
    expect(who.Arn).toBe(USER.arn);
    started = performance.now();
    const denied = await sts(s.sts.url)
      .send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::999999999999:role/nobody', RoleSessionName: 'late' }))
      .then(
        () => undefined,
        (e: { name: string }) => e.name,
      );
    expect(performance.now() - started).toBeGreaterThanOrEqual(150 - TIMER_SLACK_MS);
    expect(denied).toBe('AccessDenied');
    expect(s.calls().map((c) => [c.action, c.status])).toEqual([
      ['GetCallerIdentity', 200],
      ['AssumeRole', 403],
    ]);
  });

  test('a delay is per answer: concurrent calls overlap (N calls do not take N × the delay)', async () => {
    s.sts.setResponseDelay(400);
    const started = performance.now();
    const arns = await Promise.all(Array.from({ length: 8 }, () => sts(s.sts.url).send(new GetCallerIdentityCommand({}))));
    const took = performance.now() - started;
    expect(arns.every((a) => a.Arn === USER.arn)).toBe(true);
    expect(took).toBeGreaterThanOrEqual(400 - TIMER_SLACK_MS);
    // 8 × 400 ms serialised would be 3.2 s; anything under that proves the waits overlapped.
    expect(took).toBeLessThan(8 * 400);
  });

  test('refuses a negative or non-finite delay', () => {
    expect(() => s.sts.setResponseDelay(-1)).toThrow('setResponseDelay: not a delay: -1');
    expect(() => s.sts.setResponseDelay(Number.NaN)).toThrow(/not a delay/);
  });
});

describe('the OIDC stand-in', () => {
  test('holds token answers back; discovery and JWKS (what STS fetches) are not delayed', async () => {
    s.oidc.setResponseDelay(1500);
    const started = performance.now();
    const token = get(`${s.oidc.requestUrl}&audience=sts.amazonaws.com`, { authorization: `Bearer ${s.oidc.requestToken}` });
    const refused = get(s.oidc.requestUrl, { authorization: 'Bearer wrong' });
    const jwks = await get(`${s.oidc.url}/.well-known/jwks`);
    const [t, r] = await Promise.all([token, refused]);
    expect(jwks.status).toBe(200);
    expect(jwks.at).toBeLessThan(t.at);
    expect(t.at - started).toBeGreaterThanOrEqual(1500 - TIMER_SLACK_MS);
    expect(r.at - started).toBeGreaterThanOrEqual(1500 - TIMER_SLACK_MS);
    expect(t.status).toBe(200);
    expect(r.status).toBe(401);
    expect((JSON.parse(t.body) as { value: string }).value).toBe(s.oidc.tokens.at(-1));
    expect(() => s.oidc.setResponseDelay(-5)).toThrow('setResponseDelay: not a delay: -5');
  });
});

describe('scripts/emulator.ts --latency', () => {
  function startCli(args: string[]) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/emulator.ts', '--world', FIXTURE, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exited, stderr: () => stderr };
  }

  test('a bad value: exit 2 and one line naming it', async () => {
    const cli = startCli(['--latency', 'sts=fast']);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toBe('--latency: latency "sts=fast": expected oidc=MS or sts=MS with MS a whole number 0..60000\n');
  }, 60_000);

  test('sts=MS delays the CLI emulator’s STS answers', async () => {
    const cli = startCli(['--latency', 'oidc=0,sts=300']);
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: cli.child.stdout }).once('line', resolve);
        cli.child.once('exit', () => reject(new Error(`emulator exited early: ${cli.stderr()}`)));
      });
      const info = JSON.parse(line) as { sts: string };
      const ci = { accessKeyId: 'AKIAEMULATORCIUSER01', secretAccessKey: 'ciUserSecretKey0000000000000000000000000' };
      const started = performance.now();
      const who = await new STSClient({ endpoint: info.sts, region: 'us-east-1', maxAttempts: 1, credentials: ci }).send(new GetCallerIdentityCommand({}));
      expect(performance.now() - started).toBeGreaterThanOrEqual(300 - TIMER_SLACK_MS);
      expect(who.Arn).toBe('arn:aws:iam::111111111111:user/ci');
    } finally {
      cli.child.kill('SIGTERM');
    }
    expect(await cli.exited).toBe(0);
  }, 60_000);
});
