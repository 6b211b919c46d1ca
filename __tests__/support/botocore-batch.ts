/**
 * Python botocore as a live peer: resolves many profiles in ONE python process (start-up is the slow part), each
 * case with its own environment, as `aws --profile X` would (explicit selection), and reports per case the access
 * key it ended with or the error it raised, plus the MFA prompts it showed.
 *
 * Driver as in profile-semantics.md Appendix A: `botocore.session.Session(profile=X)`, the assume-role provider's
 * prompter replaced to answer `123456`, `get_credentials().get_frozen_credentials()` (STS calls happen there, source
 * first). The process starts from an empty environment (`env -i`) with a temporary HOME and
 * AWS_EC2_METADATA_DISABLED=true; each case's variables are applied on top and removed before the next case.
 *
 * Async on purpose: the STS emulator answering botocore runs in the test process.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BotocoreCase {
  readonly id: string;
  readonly profile: string;
  /** AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, AWS_ENDPOINT_URL_STS, … */
  readonly env: Readonly<Record<string, string>>;
}

export interface BotocoreOutcome {
  readonly id: string;
  readonly prompts: string[];
  /** Set on success: the access key id of the frozen credentials. */
  readonly accessKey?: string;
  /** Set on failure: `ExceptionClass: message`, as the vectors print it. */
  readonly error?: string;
}

const SCRIPT = String.raw`
import json, os, sys
import botocore.loaders
import botocore.session

base = dict(os.environ)
# One data loader for every session: the service models are parsed once (caching only; resolution is unchanged).
loader = botocore.loaders.create_loader()
with open(sys.argv[1]) as f:
    cases = json.load(f)
for case in cases:
    os.environ.clear()
    os.environ.update(base)
    os.environ.update(case['env'])
    out = {'id': case['id'], 'prompts': []}
    try:
        session = botocore.session.Session(profile=case['profile'])
        session.register_component('data_loader', loader)
        provider = session.get_component('credential_provider').get_provider('assume-role')
        def prompter(prompt, out=out):
            out['prompts'].append(prompt)
            return '123456'
        provider._prompter = prompter
        creds = session.get_credentials()
        if creds is None:
            out['error'] = 'NoCredentialsError: Unable to locate credentials'
        else:
            out['accessKey'] = creds.get_frozen_credentials().access_key
    except Exception as e:
        out['error'] = '%s: %s' % (type(e).__name__, e)
    sys.stdout.write(json.dumps(out) + '\n')
    sys.stdout.flush()
`;
import { PYTHON } from './peers.js';

export async function runBotocoreBatch(cases: readonly BotocoreCase[], timeoutMs = 120_000): Promise<Map<string, BotocoreOutcome>> {
  const dir = mkdtempSync(join(tmpdir(), 'botocore-batch-'));
  try {
    const casesFile = join(dir, 'cases.json');
    const home = join(dir, 'home');
    writeFileSync(casesFile, JSON.stringify(cases));
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, AWS_EC2_METADATA_DISABLED: 'true' };
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(PYTHON, ['-c', SCRIPT, casesFile], { env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, out, stderr) => {
        if (err) reject(new Error(`botocore batch failed: ${err.message}\n${stderr}`));
        else resolve(out);
      });
    });
    const outcomes = new Map<string, BotocoreOutcome>();
    for (const line of stdout.split('\n')) {
      if (line.trim() === '') continue;
      const o = JSON.parse(line) as BotocoreOutcome;
      outcomes.set(o.id, o);
    }
    return outcomes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
