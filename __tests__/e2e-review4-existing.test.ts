/**
 * Review 4: `use-existing-credentials` through the bundled action. Valid keys in the environment end
 * the step early; what a later step then finds must match what the step said it did.
 * - The region the workflow gave is exported, as configure-aws-credentials does before its own
 *   early return (it exports the region first), and as the README promises for every run where one is
 *   known: without it a later `aws …` has the keys but no region.
 * - A run whose outputs are profiles (write-profiles, a fan-out, refresh) cannot be satisfied by keys in
 *   the environment: the step must not report success while writing none of the profiles it was asked
 *   for. It is refused before any STS call, naming the inputs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEPLOY, Scenario, USER } from './support/scenario.js';

const BASE = { 'aws-region': 'eu-west-1', 'role-to-assume': DEPLOY, 'role-external-id': 'deploy-ext-42', 'use-existing-credentials': 'true' };

let s: Scenario;
beforeEach(async () => {
  s = await Scenario.start();
});
afterEach(async () => {
  await s.stop();
});

const validKeys = () => ({ ...s.stsEnv, AWS_ACCESS_KEY_ID: USER.accessKeyId, AWS_SECRET_ACCESS_KEY: USER.secretAccessKey });

test('valid keys in the environment: the given region is still exported (and nothing else)', async () => {
  const r = await s.main({ inputs: BASE, env: validKeys() });
  expect(r.errors).toEqual([]);
  expect(r.exitCode).toBe(0);
  expect(s.calls().map((c) => c.action)).toEqual(['GetCallerIdentity']);
  expect(r.exportedEnv).toEqual({ AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-1' });
  expect(r.outputs).toEqual({ 'aws-account-id': '111111111111' });
  s.noLeaks(r);
});

test('valid keys, but the run was asked to write profiles: refused before any call, no success claimed', async () => {
  const home = s.job.dirs.home;
  const r = await s.main({ inputs: { ...BASE, 'write-profiles': 'true' }, env: validKeys() });
  expect(r.exitCode).toBe(1);
  expect(r.errors).toHaveLength(1);
  expect(r.errors[0]).toMatch(/^Input 'use-existing-credentials': /);
  expect(r.errors[0]).toContain('profiles');
  expect(s.calls()).toEqual([]);
  expect(r.outputs).toEqual({});
  expect(fs.existsSync(path.join(home, '.aws', 'config'))).toBe(false);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  s.noLeaks(r);
});

test('valid keys, and a fan-out (profiles by default): refused before any call', async () => {
  const r = await s.main({
    inputs: { ...BASE, 'fan-out-roles': 'arn:aws:iam::333333333333:role/target' },
    env: validKeys(),
  });
  expect(r.exitCode).toBe(1);
  expect(r.errors).toHaveLength(1);
  expect(r.errors[0]).toMatch(/^Input 'use-existing-credentials': /);
  expect(s.calls()).toEqual([]);
  s.noLeaks(r);
});
