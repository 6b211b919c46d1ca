/**
 * Issue 13 item 2: output is never lost. The step's stdout goes to a pipe nobody reads until a
 * second after the step stopped making progress (no STS call for a second: it finished, or it is
 * blocked on the full pipe) or until it exits — a busy runner. Then everything is forwarded: every
 * `::add-mask::` of a 300-target fan-out and every line of a 400-target dry-run plan must arrive,
 * with fd 1 blocking and non-blocking (a full pipe answers EAGAIN). Before the sink wrote
 * synchronously, index.ts's process.exit() dropped what node still had queued.
 */
import { Scenario, HUB, memberRole } from './support/scenario.js';
import { ACTION_YML, MAIN_ENTRY, NODE24_BIN, type StepResult } from './support/harness.js';
import { inertLines } from '../src/base/inert.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SLOW_READER = '__tests__/support/slow-reader.mjs';
const members = (n: number) => Array.from({ length: n }, (_, i) => memberRole(i + 1)).join('\n');

let s: Scenario;
afterEach(async () => {
  await s.stop();
});

async function slowStep(inputs: Record<string, string>, nonBlocking: boolean): Promise<StepResult> {
  const go = join(s.job.runnerTemp, `go-${Date.now()}`);
  let calls = -1;
  let quietSince = Date.now();
  const watch = setInterval(() => {
    if (s.sts.calls.length !== calls) {
      calls = s.sts.calls.length;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= 1000) {
      writeFileSync(go, '');
      clearInterval(watch);
    }
  }, 50);
  try {
    return await s.job.runStep({
      node: NODE24_BIN,
      entry: SLOW_READER,
      actionYml: ACTION_YML,
      inputs,
      env: { ...s.oidcEnv, SLOW_ENTRY: MAIN_ENTRY, SLOW_GO_FILE: go, SLOW_NONBLOCKING: nonBlocking ? '1' : '0' },
      timeoutMs: 180_000,
    });
  } finally {
    clearInterval(watch);
  }
}

// The slow reader needs a FIFO (mkfifo): POSIX only.
const posix = process.platform === 'win32' ? describe.skip : describe;

posix.each([
  ['blocking', false],
  ['non-blocking', true],
])('stdout read a second late (%s pipe)', (_label, nonBlocking) => {
  test('300-target fan-out: every mask arrives, before the profiles are reported written', async () => {
    s = await Scenario.start({ members: 300 });
    const r = await slowStep({ 'aws-region': 'us-east-1', 'role-to-assume': HUB, 'fan-out-roles': members(300), 'max-concurrency': '64' }, nonBlocking);
    expect([r.exitCode, r.errors]).toEqual([0, []]);
    // Every key written to the profiles, and every session the action reported assuming, was masked.
    const written = [
      ...readFileSync(join(s.job.home, '.aws', 'credentials'), 'utf8').matchAll(/^aws_(?:access_key_id|secret_access_key|session_token) = (.+)$/gm),
    ].map((m) => m[1]!);
    expect(written).toHaveLength(900);
    expect(r.lines.filter((l) => l.text.startsWith('Assumed '))).toHaveLength(301);
    const masks = new Set(r.masks);
    expect(written.filter((v) => !masks.has(v))).toEqual([]);
    // The hub's keys too (no profile holds them): the session whose key signed the members' calls.
    // (Sessions STS issued are not all counted: under load a call can time out on the client and be retried.)
    const hubKey = s.calls('AssumeRole')[0]!.signer!.accessKeyId;
    const hub = s.sts.issuedSessions().find((x) => x.accessKeyId === hubKey)!;
    expect([hub.accessKeyId, hub.secretAccessKey, hub.sessionToken].filter((v) => !masks.has(v))).toEqual([]);
    const wrote = r.lines.findIndex((l) => l.text.startsWith('Wrote 300 profile(s) to '));
    const lastMask = r.lines.map((l) => l.command?.name).lastIndexOf('add-mask');
    expect(wrote).toBeGreaterThan(lastMask);
    s.noLeaks(r, [`${s.job.home}/.aws/credentials`]);
  }, 240_000);

  test('400-target dry run: every plan line arrives, in order', async () => {
    s = await Scenario.start({ members: 400 });
    const r = await slowStep({ 'aws-region': 'us-east-1', 'role-to-assume': HUB, 'fan-out-roles': members(400), 'dry-run': 'true' }, nonBlocking);
    expect([r.exitCode, r.errors]).toEqual([0, []]);
    const plan = r.outputs['plan']!;
    expect(plan.length).toBeGreaterThan(200_000);
    expect(plan.match(/^### /gm)).toHaveLength(400);
    const printed = r.lines.filter((l) => l.stream === 'stdout').map((l) => l.text);
    const start = printed.indexOf(plan.split('\n')[0]!);
    expect(start).toBeGreaterThanOrEqual(0);
    const expected = inertLines(plan);
    expect(printed.slice(start, start + expected.length)).toEqual(expected);
  }, 240_000);
});
