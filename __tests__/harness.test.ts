import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Job,
  MAIN_ENTRY,
  POST_ENTRY,
  NODE24_BIN,
  REPO_ROOT,
  assertNoLeaks,
  findLeaks,
  inputEnvName,
  parseCommandLine,
  readActionInputDefaults,
  resolveEntry,
  type StepResult,
} from './support/harness.js';
import { FileCommandFormatError, parseKeyValueEntries, parseKeyValueFile, parsePathFile } from './support/envfile.js';

const fixture = (name: string): string => path.join('__tests__', 'fixtures', 'harness', name);

const jobs: Job[] = [];
function newJob(opts?: ConstructorParameters<typeof Job>[0]): Job {
  const job = new Job(opts);
  jobs.push(job);
  return job;
}
afterEach(async () => {
  await Promise.all(jobs.splice(0).map((j) => j.cleanup()));
});

/** The error message assertNoLeaks throws, or '' when it does not throw. */
function leakMessage(fn: () => void): string {
  try {
    fn();
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

describe('envfile parser', () => {
  it('parses NAME=VALUE and heredoc entries, last one winning', () => {
    const text = 'A=1\nB=x=y\n\nC<<EOF\nl1\n\nl3=4\nEOF\nF=a<<b\nG<<H=I\nv\nH=I\nE<<X\nX\nA=2\n';
    expect(parseKeyValueFile(text)).toEqual({ A: '2', B: 'x=y', C: 'l1\n\nl3=4', F: 'a<<b', G: 'v', E: '' });
    expect(parseKeyValueEntries(text).map((e) => `${e.name}:${e.form}`)).toEqual([
      'A:line',
      'B:line',
      'C:heredoc',
      'F:line',
      'G:heredoc',
      'E:heredoc',
      'A:line',
    ]);
  });

  it('keeps CRLF inside a heredoc value and accepts a final delimiter without a line break', () => {
    expect(parseKeyValueFile('D<<X\r\nline\r\nmore\r\nX\r\nK=v\r\n')).toEqual({ D: 'line\r\nmore', K: 'v' });
    expect(parseKeyValueFile('K<<E\nabc\nE')).toEqual({ K: 'abc' });
  });

  it('rejects what the runner rejects', () => {
    expect(() => parseKeyValueFile('X<<EOF\nabc\n')).toThrow("Invalid value. Matching delimiter not found 'EOF'");
    expect(() => parseKeyValueFile('K<<E\nabc')).toThrow('Invalid value. EOF marker missing new line.');
    expect(() => parseKeyValueFile('just text\n')).toThrow("Invalid format 'just text'");
    expect(() => parseKeyValueFile('=v\n')).toThrow(FileCommandFormatError);
    expect(() => parseKeyValueFile('K<<\nx\n')).toThrow('delimiter must not be empty');
  });

  it('parses GITHUB_PATH lines', () => {
    expect(parsePathFile('/a\n\n/b c\r\n/d')).toEqual(['/a', '/b c', '/d']);
  });
});

describe('workflow command parsing', () => {
  it('unescapes properties and data like the runner', () => {
    expect(parseCommandLine('  ::error file=a.ts,line=3,title=x%3Ay%2Cz %253A::m%25%0An%0D')).toEqual({
      name: 'error',
      properties: { file: 'a.ts', line: '3', title: 'x:y,z %3A' },
      data: 'm%\nn\r',
    });
    expect(parseCommandLine('::add-mask::abc::def')).toEqual({ name: 'add-mask', properties: {}, data: 'abc::def' });
    expect(parseCommandLine('::unknown::x')).toBeUndefined();
    expect(parseCommandLine('::error no end')).toBeUndefined();
    expect(parseCommandLine('text ::error::x')).toBeUndefined();
  });

  it('names inputs like the runner', () => {
    expect(inputEnvName('aws-region')).toBe('INPUT_AWS-REGION');
    expect(inputEnvName('role chain')).toBe('INPUT_ROLE_CHAIN');
    expect(inputEnvName('Mixed Case-name x')).toBe('INPUT_MIXED_CASE-NAME_X');
  });

  it('resolves entries to the bundles', () => {
    expect(resolveEntry(undefined, 'main')).toBe(path.join(REPO_ROOT, 'dist', 'index.js'));
    expect(resolveEntry('post', 'main')).toBe(path.join(REPO_ROOT, 'dist', 'post', 'index.js'));
    expect(resolveEntry('x/y.mjs', 'main')).toBe(path.join(REPO_ROOT, 'x', 'y.mjs'));
    expect(fs.existsSync(MAIN_ENTRY) && fs.existsSync(POST_ENTRY)).toBe(true);
  });
});

describe('action.yml input defaults', () => {
  const yml = fixture('action.yml');
  const expected = {
    'aws-region': '',
    audience: 'sts.amazonaws.com',
    'quoted-default': 'it\'s: "quoted"',
    'double-quoted': 'tab\tand "esc"',
    'plain-default': '300',
    'role chain': '',
  };

  it('reads every declared input with its default or an empty string', () => {
    expect(readActionInputDefaults(path.join(REPO_ROOT, yml))).toEqual(expected);
    expect(readActionInputDefaults(path.join(REPO_ROOT, 'action.yml'))).toMatchObject({ 'aws-region': '' });
  });

  it('sets INPUT_* for declared inputs like the runner, given inputs winning', async () => {
    const job = newJob({ inputs: { audience: 'job-aud' } });
    const r = await job.runStep({ entry: fixture('env-dump.mjs'), actionYml: yml, inputs: { 'aws-region': 'ap-south-1' } });
    const env = (JSON.parse(r.stdout) as { env: Record<string, string> }).env;
    expect(Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('INPUT_')))).toEqual({
      'INPUT_AWS-REGION': 'ap-south-1',
      INPUT_AUDIENCE: 'job-aud',
      'INPUT_QUOTED-DEFAULT': 'it\'s: "quoted"',
      'INPUT_DOUBLE-QUOTED': 'tab\tand "esc"',
      'INPUT_PLAIN-DEFAULT': '300',
      INPUT_ROLE_CHAIN: '',
    });
    expect(r.inputs).toEqual({ ...expected, 'aws-region': 'ap-south-1', audience: 'job-aud' });
    // scripts get no defaults unless asked for
    const bare = await job.runStep({ entry: fixture('env-dump.mjs') });
    expect(Object.keys((JSON.parse(bare.stdout) as { env: Record<string, string> }).env).filter((k) => k.startsWith('INPUT_'))).toEqual(['INPUT_AUDIENCE']);
  });

  it('can run a step on the Node 24 the action declares', async () => {
    const job = newJob();
    const r = await job.runStep({ entry: fixture('env-dump.mjs'), node: NODE24_BIN });
    expect(r.exitCode).toBe(0);
    const seen = JSON.parse(r.stdout) as { env: Record<string, string>; version: string };
    expect(seen.version).toMatch(/^v24\./);
    expect(seen.env.HOME).toBe(job.home);
  });
});

describe('Job.runStep environment', () => {
  const parentVars = {
    AWS_ACCESS_KEY_ID: 'AKIAPARENTPROCESS000',
    AWS_SECRET_ACCESS_KEY: 'parent-secret-must-not-pass',
    AWS_PROFILE: 'parent-profile',
    HARNESS_PARENT_ONLY: 'parent',
  };
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    for (const [k, v] of Object.entries(parentVars)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('gives the child a minimal runner env, HOME and cwd in the job dirs, no ambient AWS_* and no stdin', async () => {
    const job = newJob({ env: { JOB_LEVEL: 'job-value', OVERRIDDEN: 'job' } });
    const r = await job.runStep({
      entry: fixture('env-dump.mjs'),
      env: {
        ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:1/token',
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'req-token',
        OVERRIDDEN: 'step',
        GITHUB_JOB: undefined,
      },
    });
    expect(r.exitCode).toBe(0);
    const seen = JSON.parse(r.stdout) as { env: Record<string, string>; cwd: string; stdin: string };
    expect(seen.cwd).toBe(job.workspace);
    expect(seen.stdin).toBe('');
    expect(Object.keys(seen.env).filter((k) => k.startsWith('AWS_'))).toEqual(['AWS_EC2_METADATA_DISABLED']);
    expect(seen.env).toMatchObject({
      HOME: job.home,
      RUNNER_TEMP: job.runnerTemp,
      GITHUB_WORKSPACE: job.workspace,
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_REPOSITORY: 'octo-org/octo-repo',
      GITHUB_REPOSITORY_OWNER: 'octo-org',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_EVENT_NAME: 'push',
      RUNNER_OS: 'Linux',
      AWS_EC2_METADATA_DISABLED: 'true',
      GITHUB_ENV: r.files.env,
      GITHUB_OUTPUT: r.files.output,
      GITHUB_STATE: r.files.state,
      GITHUB_STEP_SUMMARY: r.files.summary,
      GITHUB_PATH: r.files.path,
      JOB_LEVEL: 'job-value',
      OVERRIDDEN: 'step',
      ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:1/token',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'req-token',
    });
    expect(seen.env.GITHUB_SHA).toMatch(/^[0-9a-f]{40}$/);
    for (const k of ['GITHUB_ACTOR', 'GITHUB_WORKFLOW', 'GITHUB_RUN_ID', 'GITHUB_RUN_ATTEMPT', 'GITHUB_ACTION', 'GITHUB_SERVER_URL']) {
      expect(seen.env[k]).toMatch(/\S/);
    }
    expect(seen.env.GITHUB_JOB).toBeUndefined();
    expect(seen.env.HARNESS_PARENT_ONLY).toBeUndefined();
    expect(seen.env.PATH).toBe(process.env.PATH);
    expect(path.dirname(r.files.env)).toBe(path.join(job.runnerTemp, '_runner_file_commands'));
  });
});

describe('Job: main → next step → post', () => {
  const multi = 'first line\nKEY=value=with=equals\n\n  indented <<EOF ::x:: \nlast';

  it('passes inputs by runner naming and round-trips multi-line env/output/state values', async () => {
    const job = newJob({ inputs: { 'aws-region': 'eu-west-1' } });
    const main = await job.runStep({ entry: fixture('core-main.mjs'), inputs: { 'role chain': 'hop-1, hop-2' } });
    expect(main.exitCode).toBe(0);
    expect(main.stderr).toBe('');
    expect(main.fileCommandErrors).toEqual([]);
    expect(JSON.parse(main.outputs['input-env'] ?? '')).toEqual({
      'INPUT_AWS-REGION': 'eu-west-1',
      INPUT_ROLE_CHAIN: 'hop-1, hop-2',
    });
    expect(main.outputs).toMatchObject({ region: 'eu-west-1', 'role-chain': 'hop-1, hop-2', multi, empty: '' });
    expect(main.exportedEnv).toEqual({ MULTI_VAR: multi, SIMPLE_VAR: 'a=b', STEP_MARK: 'main-eu-west-1' });
    expect(main.state).toEqual({ multi, 'session-id': 'sess-0001' });
    expect(main.pathAdditions).toEqual(['/opt/harness/bin']);
    expect(main.summary).toBe('<h2>Assumed roles</h2>\nchain: hop-1, hop-2\n');
    expect(main.maskedLog).toBe('main done');
    expect(job.env).toEqual({ MULTI_VAR: multi, SIMPLE_VAR: 'a=b', STEP_MARK: 'main-eu-west-1' });
    expect(job.outputFile).toBe(main.files.output);

    // the next step sees the exports and the PATH addition; the previous step's files are gone
    const next = await job.runStep({ entry: fixture('env-dump.mjs') });
    const nextEnv = (JSON.parse(next.stdout) as { env: Record<string, string> }).env;
    expect(nextEnv.MULTI_VAR).toBe(multi);
    expect(nextEnv.STEP_MARK).toBe('main-eu-west-1');
    expect(nextEnv.PATH?.split(':')[0]).toBe('/opt/harness/bin');
    expect(fs.existsSync(main.files.env)).toBe(false);
    expect(fs.existsSync(next.files.env)).toBe(true);

    // post gets the state of the last main step (STATE_*), the same inputs and the exports
    const post = await job.runPost({ entry: fixture('core-post.mjs'), main });
    expect(post.exitCode).toBe(0);
    expect(JSON.parse(post.outputs.seen ?? '')).toEqual({
      stateMulti: multi,
      stateSession: 'sess-0001',
      stateEnv: ['STATE_multi', 'STATE_session-id'],
      region: 'eu-west-1',
      chain: 'hop-1, hop-2',
      multiVar: multi,
      simpleVar: 'a=b',
      stepMark: 'main-eu-west-1',
      pathHead: '/opt/harness/bin',
    });
    expect(post.env['STATE_session-id']).toBe('sess-0001');
    expect(post.env['INPUT_AWS-REGION']).toBe('eu-west-1');
    expect(job.env.STEP_MARK).toBe('post');
  });

  it('runs post with the last runStep by default', async () => {
    const job = newJob({ inputs: { 'aws-region': 'us-east-2' } });
    await job.runStep({ entry: fixture('core-main.mjs') });
    const post = await job.runPost({ entry: fixture('core-post.mjs'), inputs: { 'role chain': 'post-only' } });
    expect(JSON.parse(post.outputs.seen ?? '')).toMatchObject({
      stateMulti: multi,
      stateSession: 'sess-0001',
      region: 'us-east-2',
      chain: 'post-only',
    });
    expect(post.inputs).toEqual({ 'aws-region': 'us-east-2', 'role chain': 'post-only' });
  });

  it('reports malformed file commands and refuses NODE_OPTIONS from GITHUB_ENV', async () => {
    const job = newJob();
    const r = await job.runStep({
      entry: fixture('raw-commands.mjs'),
      env: { RAW_ENV: 'NODE_OPTIONS=--require=/tmp/evil.js\nOK_VAR=1\n', RAW_OUTPUT: 'good=1\nbroken line\n' },
    });
    expect(r.exitCode).toBe(0);
    expect(r.exportedEnv).toEqual({ NODE_OPTIONS: '--require=/tmp/evil.js', OK_VAR: '1' });
    expect(job.env).toEqual({ OK_VAR: '1' });
    expect(r.outputs).toEqual({});
    expect(r.fileCommandErrors).toEqual(["GITHUB_OUTPUT: Invalid format 'broken line'"]);
  });

  it('rejects when the node binary cannot be started', async () => {
    const job = newJob();
    await expect(job.runStep({ entry: fixture('env-dump.mjs'), node: '/nonexistent/node' })).rejects.toThrow('harness: could not start /nonexistent/node');
  });

  it('runs the real post bundle', async () => {
    const job = newJob();
    const r = await job.runPost();
    expect(r.entry).toBe(POST_ENTRY);
    expect(r.exitCode).toBe(0);
    expect(r.errors).toEqual([]);
  });
});

describe('masks and annotations', () => {
  const secret = 'S3cr3t-Value-1234';

  it('collects masks and builds the masked log from registration on', async () => {
    const job = newJob();
    const r = await job.runStep({ entry: fixture('mask.mjs'), inputs: { secret } });
    expect(r.exitCode).toBe(0);
    expect(r.masks).toEqual([secret, 'line-one-x\nline-two-y']);
    expect(r.maskedLog.split('\n')).toEqual([
      `before: ${secret}`,
      'after: ***',
      'json: {"s":"***\\"q"}',
      'multi: ***',
      'multi: ***',
      'unrelated text stays',
      'stderr: ***',
    ]);
    expect(r.stdout).toContain(`::add-mask::${secret}\n`);
    // the same output, seen by the leak checker
    expect(findLeaks(r, [secret]).map((l) => l.place)).toEqual([
      'stdout line 1, printed before it was masked',
      'stdout line 3, printed after it was masked',
      'stdout line 4, printed after it was masked',
      'stderr line 1, printed after it was masked',
    ]);
  });

  it('parses and unescapes annotations, honours stop-commands and ignores unknown commands', async () => {
    const job = newJob();
    const r = await job.runStep({ entry: fixture('annotations.mjs') });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual(['AssumeRole failed: 100% denied\nsecond line', 'final failure', 'from stderr']);
    expect(r.warnings).toEqual(['duration capped: 3600s', 'indented command']);
    expect(r.notices).toEqual(['using region us-east-1']);
    expect(r.debug).toEqual(['debug detail']);
    expect(r.annotations).toEqual([
      {
        level: 'error',
        message: 'AssumeRole failed: 100% denied\nsecond line',
        title: 'STS: AccessDenied, hop 2',
        file: 'src/sts/assume.ts',
        line: 42,
        endLine: 43,
      },
      { level: 'warning', message: 'duration capped: 3600s' },
      { level: 'notice', message: 'using region us-east-1', file: 'action.yml', line: 7, col: 3 },
      { level: 'warning', message: 'indented command' },
      { level: 'error', message: 'final failure' },
      { level: 'error', message: 'from stderr', file: 'stderr.ts', line: 1 },
    ]);
    expect(r.lines.find((l) => l.text === '::error::ignored while stopped')?.command).toBeUndefined();
    expect(r.lines.find((l) => l.text === '::not-a-command::plain text')?.command).toBeUndefined();
  });
});

describe('timeout', () => {
  it('kills a hanging script and its process group and reports timedOut', async () => {
    const job = newJob();
    const r = await job.runStep({ entry: fixture('hang.mjs'), timeoutMs: 500 });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(r.signal).toBe('SIGKILL');
    expect(r.durationMs).toBeGreaterThanOrEqual(450);
    expect(r.durationMs).toBeLessThan(5000);
    const pid = Number(/started grandchild=(\d+)/.exec(r.stdout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    const alive = (): boolean => {
      try {
        process.kill(pid, 0);
      } catch {
        return false;
      }
      // a zombie (not reaped in some containers) is dead too
      try {
        return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 40 && alive(); i++) await new Promise((res) => setTimeout(res, 50));
    expect(alive()).toBe(false);
  });
});

describe('assertNoLeaks', () => {
  const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const hint = '"wJal…" (40 chars)';

  async function leaky(mode: string, value = secret, job = newJob({ secrets: [value] })): Promise<StepResult> {
    const r = await job.runStep({ entry: fixture('leaky.mjs'), inputs: { secret: value }, env: { LEAK_MODE: mode } });
    expect(r.exitCode).toBe(0);
    return r;
  }

  it.each([
    ['before-mask', [`secret ${hint} in stdout line 1, printed before it was masked`]],
    ['after-mask', [`secret ${hint} in stdout line 2, printed after it was masked`]],
    ['stderr', [`secret ${hint} in stderr line 1, printed after it was masked`]],
    ['summary', [`secret ${hint} in step summary line 1`]],
    ['stray-file', [`secret ${hint} in file $RUNNER_TEMP/debug-dump.txt line 2`]],
    ['error', [`secret ${hint} in stdout line 2, printed after it was masked`, `secret ${hint} in error annotation #1 message`]],
    ['url', [`secret ${hint} in stdout line 2, as URL-encoded, printed after it was masked`]],
    ['split', [`secret ${hint} in stdout line 2, split over 2 lines, printed after it was masked`]],
    ['state', [`secret ${hint} in GITHUB_STATE file $RUNNER_TEMP/_runner_file_commands/save_state_`]],
    ['credentials-file', [`secret ${hint} in file $HOME/.aws/credentials line 2`]],
  ])('catches the %s leak', async (mode, expected) => {
    const r = await leaky(mode);
    const msg = leakMessage(() => assertNoLeaks(r, []));
    expect(msg).toMatch(/^Secret leak check failed/);
    for (const e of expected) expect(msg).toContain(e);
    expect(msg.split('\n')).toHaveLength(expected.length + 1);
    expect(msg).not.toContain(secret);
    expect(msg).not.toContain(encodeURIComponent(secret));
  });

  it('catches a JSON-escaped leak', async () => {
    const value = 'p@ss"word\\with-quote-123';
    const r = await leaky('json', value);
    const msg = leakMessage(() => assertNoLeaks(r));
    expect(msg).toContain('secret "p@ss…" (24 chars) in stdout line 2, as JSON-escaped, printed after it was masked');
    expect(msg).not.toContain(value);
    expect(msg).not.toContain(JSON.stringify(value).slice(1, -1));
  });

  it('checks GITHUB_OUTPUT unless the caller allows it', async () => {
    const job = newJob({ secrets: [secret] });
    const r = await leaky('output', secret, job);
    expect(r.outputs['aws-secret-access-key']).toBe(secret);
    const msg = leakMessage(() => assertNoLeaks(r));
    expect(msg).toContain(
      `secret ${hint} in GITHUB_OUTPUT file $RUNNER_TEMP/_runner_file_commands/${path.basename(r.files.output)} line 2 (allow it with allowFiles: [result.files.output])`,
    );
    expect(() => assertNoLeaks(r, [], { allowFiles: [r.files.output] })).not.toThrow();
    expect(() => assertNoLeaks(r, [], { allowFiles: [job.outputFile ?? ''] })).not.toThrow();
  });

  it('allows a credentials file named in allowFiles', async () => {
    const job = newJob({ secrets: [secret] });
    const r = await leaky('credentials-file', secret, job);
    expect(() => assertNoLeaks(r, [], { allowFiles: [path.join(job.home, '.aws', 'credentials')] })).not.toThrow();
    expect(() => assertNoLeaks(r, [], { allowFiles: [path.join(job.home, '.aws')] })).not.toThrow();
  });

  it('scans extra files given in opts.files', async () => {
    const job = newJob();
    const r = await leaky('clean', secret, job);
    expect(() => assertNoLeaks(r, [secret])).not.toThrow();
    const outside = path.join(job.root, 'outside.txt');
    fs.writeFileSync(outside, `x ${secret}\n`);
    expect(leakMessage(() => assertNoLeaks(r, [secret], { files: [outside] }))).toContain(`secret ${hint} in file ${outside} line 1`);
  });

  it('takes secrets from the job, the step and the argument', async () => {
    const noSecrets = newJob();
    const stepSecret = await noSecrets.runStep({
      entry: fixture('leaky.mjs'),
      inputs: { secret },
      env: { LEAK_MODE: 'before-mask' },
      secrets: [secret],
    });
    expect(stepSecret.knownSecrets).toEqual([secret]);
    expect(() => assertNoLeaks(stepSecret)).toThrow('stdout line 1, printed before it was masked');

    const laterJob = newJob();
    const unknown = await leaky('after-mask', secret, laterJob);
    expect(() => assertNoLeaks(unknown)).not.toThrow();
    expect(() => assertNoLeaks(unknown, [secret])).toThrow('stdout line 2, printed after it was masked');
    // secrets learned after the step (e.g. from its outputs) count too
    laterJob.addSecrets(secret);
    expect(unknown.knownSecrets).toEqual([secret]);
    expect(() => assertNoLeaks(unknown)).toThrow('stdout line 2, printed after it was masked');

    const job = newJob();
    job.addSecrets(secret, 'ab');
    const viaJob = await leaky('after-mask', secret, job);
    expect(viaJob.knownSecrets).toEqual([secret, 'ab']);
    expect(() => assertNoLeaks(viaJob)).toThrow('stdout line 2, printed after it was masked');
  });

  it('passes a clean step (masked, exported through GITHUB_ENV) and ignores values shorter than 4 chars', async () => {
    const job = newJob({ secrets: [secret] });
    const r = await leaky('clean', secret, job);
    expect(r.masks).toEqual([secret]);
    expect(r.exportedEnv.AWS_SECRET_ACCESS_KEY).toBe(secret);
    expect(r.summary).toBe('Assumed 1 role\n');
    expect(findLeaks(r)).toEqual([]);
    expect(() => assertNoLeaks(r)).not.toThrow();

    const short = await leaky('before-mask', 'abc', newJob({ secrets: ['abc'] }));
    expect(short.stdout).toContain('received credentials abc');
    expect(() => assertNoLeaks(short, ['abc'])).not.toThrow();
  });
});
