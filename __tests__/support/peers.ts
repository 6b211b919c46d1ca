/** Real AWS clients on this machine (python botocore, AWS CLI v1), used as later workflow steps would use them. */
import { execFile, spawnSync } from 'node:child_process';

/** Async: the emulator runs in the test process, so a synchronous spawn would block its answers. */
function run(cmd: string, args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8', timeout: 60000 }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

/** The Python interpreter: `python` on Windows runners (which have no `python3` command), else `python3`. */
export const PYTHON = process.platform === 'win32' ? 'python' : 'python3';
export const hasBotocore: boolean = spawnSync(PYTHON, ['-c', 'import botocore'], { stdio: 'ignore' }).status === 0;
export const hasAwsCli: boolean = spawnSync('aws', ['--version'], { stdio: 'ignore' }).status === 0;

/** A test that needs a peer: skipped by name, loudly, when the peer is missing. */
export function peerTest(needs: boolean, what: string): typeof test {
  if (!needs) {
    // eslint-disable-next-line no-console
    console.warn(`SKIPPED (missing ${what}): tests that use ${what} as a real peer were skipped`);
    return test.skip;
  }
  return test;
}

/** The identity botocore reports for each profile, in one python process. */
export async function botocoreIdentities(profiles: readonly string[], env: Record<string, string>): Promise<Record<string, string>> {
  const script = `
import json, sys, botocore.session
out = {}
for p in json.loads(sys.argv[1]):
    s = botocore.session.Session(profile=p)
    c = s.create_client('sts')
    out[p] = c.get_caller_identity()['Arn']
print(json.dumps(out))
`;
  const r = await run(PYTHON, ['-c', script, JSON.stringify(profiles)], env);
  if (r.status !== 0) throw new Error(`botocore failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, string>;
}

export function awsCli(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return run('aws', args, env);
}
