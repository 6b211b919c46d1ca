/**
 * Ported from the security review (wt-review); assert the fixed behaviour.
 * Fixed (refresh/credentialProcess.ts): the helper uses the endpoint the plan recorded, else the region's.
 * REVIEW: the endpoint allow-list (README "Security model") is checked by the main step only. The
 * refresh helper (a refreshing profile's credential_process, run by later steps) sends a freshly minted
 * GitHub OIDC token to whatever AWS_ENDPOINT_URL(_STS) the later step has, when the plan holds no
 * endpoint — which is the normal case on GitHub (main used AWS's default endpoint). Offline, the main
 * step needs the emulator's endpoint, so the plan file is edited to what a run against real AWS writes.
 */
import { exec } from 'node:child_process';
import { createServer } from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { HUB, Scenario } from './support/scenario.js';

const posixTest = process.platform !== 'win32' ? test : test.skip; // runs the credential_process line with sh -c

let s: Scenario;
beforeEach(async () => {
  s = await Scenario.start();
});
afterEach(async () => {
  await s.stop();
});

/** A non-loopback address of this machine, or undefined. */
async function outsideAddress(): Promise<string | undefined> {
  const os = await import('node:os');
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

/** Runs the profile's credential_process line as a later step would, with `env`. */
function runHelper(line: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok) => exec(line, { env, timeout: 60_000 }, (err, stdout, stderr) => ok({ code: err ? 1 : 0, stdout, stderr })));
}

posixTest(
  "the refresh helper never sends the OIDC token to a later step's AWS_ENDPOINT_URL or config endpoint_url",
  async () => {
    const ip = await outsideAddress();
    if (!ip) return; // no non-loopback interface here: cannot show a host outside the allow-list
    const seen: string[] = [];
    const evil = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        seen.push(body);
        res.writeHead(403, { 'content-type': 'text/xml' });
        res.end('<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>');
      });
    });
    await new Promise<void>((ok) => evil.listen(0, '0.0.0.0', ok));
    const evilUrl = `http://${ip}:${(evil.address() as AddressInfo).port}`;
    try {
      // Control: the main step refuses this endpoint.
      const refused = await s.main({ inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB }, env: { ...s.oidc.env, AWS_ENDPOINT_URL: evilUrl } });
      expect(refused.exitCode).toBe(1);
      expect(refused.errors[0]).toMatch(/AWS_ENDPOINT_URL.*not an AWS STS endpoint/);
      expect(seen).toHaveLength(0);

      const r = await s.main({ inputs: { 'aws-region': 'us-east-1', refresh: 'true', 'role-to-assume': HUB, 'aws-profile': 'deploy' }, env: s.oidcEnv });
      expect(r.exitCode).toBe(0);
      const dir = fs
        .readdirSync(s.job.dirs.runnerTemp)
        .filter((d) => d.startsWith('aws-assume-chain-'))
        .map((d) => path.join(s.job.dirs.runnerTemp, d))[0]!;
      const planFile = path.join(dir, 'plan.json');
      const clearCache = () => {
        for (const f of fs.readdirSync(dir))
          if (f !== 'plan.json' && f !== 'key' && f !== 'manifest.json') fs.rmSync(path.join(dir, f), { force: true, recursive: true });
      };
      const config = fs.readFileSync(path.join(s.job.dirs.home, '.aws', 'config'), 'utf8');
      const line = /^credential_process = (.*)$/m.exec(config)![1]!;
      const base = { PATH: process.env['PATH'] ?? '', HOME: s.job.dirs.home, RUNNER_TEMP: s.job.dirs.runnerTemp, ...s.oidc.env };
      const evilConfig = path.join(s.job.dirs.root, 'later-config');
      fs.writeFileSync(evilConfig, `[profile deploy]\nendpoint_url = ${evilUrl}\n[default]\nendpoint_url = ${evilUrl}\n`);

      // Control: the plan holds the endpoint the step used (the emulator): a later AWS_ENDPOINT_URL changes nothing.
      clearCache();
      const pinned = await runHelper(line, { ...base, AWS_ENDPOINT_URL: evilUrl, AWS_ENDPOINT_URL_STS: evilUrl });
      expect({ code: pinned.code, stderr: pinned.stderr }).toEqual({ code: 0, stderr: '' });
      expect(JSON.parse(pinned.stdout)).toMatchObject({ Version: 1 });

      // What a run against AWS's default endpoint writes: no endpoint in the plan.
      const plan = JSON.parse(fs.readFileSync(planFile, 'utf8')) as { targets: Record<string, { stsEndpoint?: string }> };
      for (const t of Object.values(plan.targets)) delete t.stsEndpoint;
      fs.writeFileSync(planFile, JSON.stringify(plan), { mode: 0o600 });
      const laterSteps: Record<string, string>[] = [
        { AWS_ENDPOINT_URL: evilUrl },
        { AWS_ENDPOINT_URL_STS: evilUrl },
        { AWS_CONFIG_FILE: evilConfig, AWS_PROFILE: 'deploy' },
        { AWS_CONFIG_FILE: evilConfig },
      ];
      for (const later of laterSteps) {
        clearCache();
        const out = await runHelper(line, { ...base, ...later });
        // The region's AWS endpoint is unreachable offline (or refuses the emulator's token): a failure, one line, no token sent.
        expect(out.code).toBe(1);
        expect(out.stderr.trim().split('\n')).toHaveLength(1);
        expect(out.stderr).not.toContain(evilUrl);
      }
      const tokensSent = seen.filter((b) => b.includes('WebIdentityToken=')).length;
      expect({ requests: seen.length, tokensSent }).toEqual({ requests: 0, tokensSent: 0 });
    } finally {
      await new Promise((ok) => evil.close(ok));
    }
  },
  240_000,
);
