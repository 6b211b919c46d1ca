/**
 * Review 4: the runner's own identity (container endpoint, IMDSv2) against hostile stand-ins, through
 * the bundled action. Each case: one error line naming the source, no STS call, no secret outside an
 * ::add-mask:: line, no stack trace, done in seconds.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { StepResult } from './support/harness.js';
import { closeStandIns, standIn } from './support/stand-ins.js';
import { DEPLOY, Scenario, USER } from './support/scenario.js';

const BASE = { 'aws-region': 'us-east-1', 'role-to-assume': DEPLOY, 'role-external-id': 'deploy-ext-42' };
const IMDS_ON = { AWS_EC2_METADATA_DISABLED: undefined };
const STS_ACTIONS = new Set(['AssumeRole', 'AssumeRoleWithWebIdentity', 'GetCallerIdentity']);

let s: Scenario;
beforeEach(async () => {
  s = await Scenario.start();
});
afterEach(async () => {
  closeStandIns();
  await s.stop();
});

const stsCalls = () => s.calls().filter((c) => STS_ACTIONS.has(c.action));

function failedCleanly(r: StepResult, secrets: string[] = []): void {
  expect(r.exitCode).toBe(1);
  expect(r.errors).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(stsCalls()).toEqual([]);
  expect(r.exportedEnv).toEqual({});
  expect(r.durationMs).toBeLessThan(20_000);
  s.noLeaks(r);
  for (const secret of secrets) {
    for (const line of (r.stdout + r.stderr).split('\n')) if (!line.startsWith('::add-mask::')) expect(line).not.toContain(secret);
  }
}

describe('container endpoint', () => {
  test('AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE inside .git (or a link to it) is refused as a web identity token file is, nothing sent', async () => {
    const gitDir = path.join(s.job.dirs.workspace, '.git');
    fs.mkdirSync(gitDir, { recursive: true });
    // One printable line passes the header check, so only the .git rule stops it being sent.
    fs.writeFileSync(path.join(gitDir, 'config'), 'ghs_checkoutsecret0123456789abcdef\n');
    const endpoint = await standIn((_req, res) => {
      res.writeHead(401);
      res.end();
    });
    for (const file of [path.join(gitDir, 'config'), path.join(s.job.dirs.runnerTemp, 'innocent-token')]) {
      if (file.endsWith('innocent-token') && process.platform !== 'win32') fs.symlinkSync(path.join(gitDir, 'config'), file);
      else if (file.endsWith('innocent-token')) continue; // symlinks need privileges on Windows
      s.sts.clearCalls();
      const r = await s.main({
        inputs: BASE,
        env: { ...s.stsEnv, AWS_CONTAINER_CREDENTIALS_FULL_URI: `${endpoint.url}/creds`, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: file },
      });
      failedCleanly(r, ['ghs_checkoutsecret']);
      expect(r.errors[0]).toContain('AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE');
      expect(r.errors[0]).toContain('.git');
    }
    expect(endpoint.seen).toEqual([]);
  });

  test('credentials whose Expiration is already past are refused, not used', async () => {
    const endpoint = await standIn((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ AccessKeyId: USER.accessKeyId, SecretAccessKey: USER.secretAccessKey, Expiration: new Date(Date.now() - 3_600_000).toISOString() }),
      );
    });
    const r = await s.main({ inputs: BASE, env: { ...s.stsEnv, AWS_CONTAINER_CREDENTIALS_FULL_URI: `${endpoint.url}/creds` } });
    failedCleanly(r);
    expect(r.errors[0]).toMatch(/container credentials endpoint/);
    expect(r.errors[0]).toMatch(/expired/);
  });

  test('a redirect is not followed; an endless, dripping reply ends in seconds', async () => {
    const elsewhere = await standIn((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ AccessKeyId: USER.accessKeyId, SecretAccessKey: USER.secretAccessKey }));
    });
    const redirect = await standIn((_req, res) => {
      res.writeHead(302, { location: `${elsewhere.url}/creds` });
      res.end();
    });
    const r1 = await s.main({ inputs: BASE, env: { ...s.stsEnv, AWS_CONTAINER_CREDENTIALS_FULL_URI: `${redirect.url}/creds` } });
    failedCleanly(r1);
    expect(r1.errors[0]).toContain('HTTP 302');
    expect(elsewhere.seen).toEqual([]);

    const drip = await standIn((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"AccessKeyId":"');
      const timer = setInterval(() => res.write('A'), 50);
      res.on('close', () => clearInterval(timer));
    });
    const r2 = await s.main({ inputs: BASE, env: { ...s.stsEnv, AWS_CONTAINER_CREDENTIALS_FULL_URI: `${drip.url}/creds` } });
    failedCleanly(r2);
    expect(r2.errors[0]).toMatch(/container credentials endpoint/);
  });

  test('keys of a shape that could break a file line are refused unquoted', async () => {
    const secret = 'hostile%0A::warning::Qx9Zsecret';
    const endpoint = await standIn((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ AccessKeyId: 'ASIA\nAWS_PROFILE=x', SecretAccessKey: secret, Token: 'tok en with spaces 1234567890' }));
    });
    const r = await s.main({ inputs: BASE, env: { ...s.stsEnv, AWS_CONTAINER_CREDENTIALS_FULL_URI: `${endpoint.url}/creds` } });
    failedCleanly(r, ['Qx9Zsecret', 'tok en with']);
    expect(r.errors[0]).toContain('AccessKeyId');
  });
});

describe('IMDSv2', () => {
  test('a role credentials document that is already expired is refused, not used', async () => {
    const imds = await standIn((req, res) => {
      if (req.method === 'PUT') {
        res.writeHead(200);
        res.end('imds-token-AAAAAAAAAAAAAAAAAAAA==');
      } else if (req.url === '/latest/meta-data/iam/security-credentials/') {
        res.writeHead(200);
        res.end('runner-role\n');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            Code: 'Success',
            AccessKeyId: USER.accessKeyId,
            SecretAccessKey: USER.secretAccessKey,
            Expiration: new Date(Date.now() - 3_600_000).toISOString(),
          }),
        );
      }
    });
    const r = await s.main({ inputs: BASE, env: { ...s.stsEnv, ...IMDS_ON, AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url } });
    failedCleanly(r, ['imds-token-AAAA']);
    expect(r.errors[0]).toMatch(/expired/);
  });
});
