/**
 * Performance budgets that can be asserted without a stopwatch (timings are `npm run bench`'s job):
 * the size of the bundles, and exactly one STS call per hop — no retries, no extra GetCallerIdentity,
 * no hub assumed twice — for each benchmark scenario run through the bundled action.
 */
import { statSync } from 'node:fs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAIN_ENTRY, NODE24_BIN, POST_ENTRY, REPO_ROOT } from './support/harness.js';
import { Scenario, HUB, DEPLOY, TARGET, USER, memberRole, writeThreeHopConfig } from './support/scenario.js';

const size = (file: string): number => {
  try {
    return statSync(file).size;
  } catch {
    return NaN;
  }
};
const fmt = (n: number) => n.toLocaleString('en-US');

describe('bundle size', () => {
  const main = size(MAIN_ENTRY);
  const post = size(POST_ENTRY);

  test(`dist/index.js is at most 1,000,000 bytes (now ${fmt(main)})`, () => {
    expect(main).toBeLessThanOrEqual(1_000_000);
  });

  test(`dist/post/index.js is at most 200,000 bytes (now ${fmt(post)})`, () => {
    expect(post).toBeLessThanOrEqual(200_000);
  });
});

const MEMBERS = 50;
const members = Array.from({ length: MEMBERS }, (_, i) => memberRole(i + 1));
const CHAIN = `${HUB}\n${DEPLOY} external-id=deploy-ext-42\n${TARGET}`;
let s: Scenario;
const withScenario = () => {
  beforeEach(async () => {
    s = await Scenario.start({ members: MEMBERS });
  });
  afterEach(async () => {
    await s.stop();
  });
};

const writeConfig = () => writeThreeHopConfig(s.job.workspace);

/** [action, RoleArn] of every call the emulator logged, in order. */
const calls = () => s.calls().map((c) => [c.action, c.params['RoleArn']]);

describe('exactly one STS call per hop', () => {
  withScenario();

  test('the log counts every attempt: a hop retried once after throttling shows two calls', async () => {
    s.sts.setFault(HUB, { code: 'Throttling', count: 1 });
    const r = await s.main({ inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB }, env: s.oidcEnv });
    expect(r.exitCode).toBe(0);
    expect(calls()).toEqual([
      ['AssumeRoleWithWebIdentity', HUB],
      ['AssumeRoleWithWebIdentity', HUB],
    ]);
  });

  test('(a) OIDC → one role: one AssumeRoleWithWebIdentity', async () => {
    const r = await s.main({ inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB }, env: s.oidcEnv });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(calls()).toEqual([['AssumeRoleWithWebIdentity', HUB]]);
  });

  test('(b) access keys → one role: one AssumeRole signed with the keys', async () => {
    const r = await s.main({
      inputs: {
        'aws-region': 'us-east-1',
        'aws-access-key-id': USER.accessKeyId,
        'aws-secret-access-key': USER.secretAccessKey,
        'role-to-assume': HUB,
      },
      env: s.stsEnv,
    });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(calls()).toEqual([['AssumeRole', HUB]]);
    expect(s.calls()[0]!.signer).toMatchObject({ accessKeyId: USER.accessKeyId, verified: true });
  });

  test('(c) OIDC → 3-hop role-chain: one call per hop', async () => {
    const r = await s.main({ inputs: { 'aws-region': 'us-east-1', 'role-chain': CHAIN }, env: s.oidcEnv });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(calls()).toEqual([
      ['AssumeRoleWithWebIdentity', HUB],
      ['AssumeRole', DEPLOY],
      ['AssumeRole', TARGET],
    ]);
  });

  test(`(d) fan-out to ${MEMBERS} roles through one hub: the hub once, each member once`, async () => {
    const r = await s.main({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB, 'fan-out-roles': members.join('\n') },
      env: s.oidcEnv,
    });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    const log = calls();
    expect(log).toHaveLength(MEMBERS + 1);
    expect(log[0]).toEqual(['AssumeRoleWithWebIdentity', HUB]);
    // Members run concurrently, so their order is not fixed; each appears once.
    expect(log.slice(1).sort()).toEqual(members.map((m) => ['AssumeRole', m]).sort());
    expect(JSON.parse(r.outputs['profiles']!)).toHaveLength(MEMBERS);
  });

  test('(e) config-file profile chain of 3 hops: one call per hop', async () => {
    const r = await s.main({ inputs: { 'config-file': writeConfig(), profile: 'target' }, env: s.oidcEnv });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(calls()).toEqual([
      ['AssumeRoleWithWebIdentity', HUB],
      ['AssumeRole', DEPLOY],
      ['AssumeRole', TARGET],
    ]);
  });
});

describe('dry-run makes no STS call (and mints no OIDC token)', () => {
  withScenario();

  test.each([
    ['a 3-hop role-chain', () => ({ 'aws-region': 'us-east-1', 'role-chain': CHAIN })],
    [`fan-out to ${MEMBERS} roles`, () => ({ 'aws-region': 'us-east-1', 'role-to-assume': HUB, 'fan-out-roles': members.join('\n') })],
    ['a config-file profile chain', () => ({ 'config-file': writeConfig(), profile: 'target' })],
  ])('%s', async (_name, inputs) => {
    const r = await s.main({ inputs: { ...inputs(), 'dry-run': 'true' }, env: s.oidcEnv });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs['plan']).toContain('no STS call');
    expect(s.calls()).toEqual([]);
    expect(s.oidc.requests).toBe(0);
    expect(r.exportedEnv).toEqual({});
  });
});

describe('the SDK and the proxy-aware token client are loaded only when needed', () => {
  withScenario();
  let lean: string;
  beforeAll(() => {
    // dist/index.js alone, without the chunks it loads with import(): anything that needs one fails.
    lean = fs.mkdtempSync(path.join(os.tmpdir(), 'lean-dist-'));
    fs.copyFileSync(path.join(REPO_ROOT, 'dist', 'index.js'), path.join(lean, 'index.js'));
    fs.copyFileSync(path.join(REPO_ROOT, 'dist', 'package.json'), path.join(lean, 'package.json'));
    expect(fs.readdirSync(path.join(REPO_ROOT, 'dist')).filter((f) => /^\d+\.index\.js$/.test(f)).length).toBeGreaterThan(0);
  });
  afterAll(() => fs.rmSync(lean, { recursive: true, force: true }));

  test('a dry run and a bad input run on dist/index.js alone', async () => {
    const dry = await s.job.runStep({
      node: NODE24_BIN,
      entry: path.join(lean, 'index.js'),
      inputs: { 'aws-region': 'us-east-1', 'role-chain': CHAIN, 'dry-run': 'true' },
      env: s.oidcEnv,
    });
    expect(dry.errors).toEqual([]);
    expect(dry.exitCode).toBe(0);
    const bad = await s.job.runStep({
      node: NODE24_BIN,
      entry: path.join(lean, 'index.js'),
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': 'not-an-arn' },
      env: s.oidcEnv,
    });
    expect(bad.exitCode).toBe(1);
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors[0]).toMatch(/^Input 'role-to-assume'/);
  });

  test('control: a real STS call from dist/index.js alone fails, so the check above can fail', async () => {
    const r = await s.job.runStep({
      node: NODE24_BIN,
      entry: path.join(lean, 'index.js'),
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB },
      env: s.oidcEnv,
    });
    expect(r.exitCode).toBe(1);
    expect(s.calls()).toEqual([]);
  });
});
