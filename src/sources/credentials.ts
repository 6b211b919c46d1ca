/**
 * First credentials of a chain whose source is not web identity: static keys, the environment,
 * the container endpoint or instance metadata (through the AWS SDK's providers), or credential_process.
 * Every secret is masked as soon as it is known.
 */
import * as core from '../base/runner.js';
import { compatShellSplit } from '../config/python.js';
import { ConfigError, UserError } from '../base/errors.js';
import type { AwsCredentials, Source } from '../base/types.js';
import { diagnostic } from '../net/diagnostic.js';
import { MAX_PROCESS_STDOUT_BYTES, PROCESS_KILL_GRACE_MS, PROCESS_TIMEOUT_MS, seconds } from '../net/limits.js';
import { runProcess, type ProcessOutcome } from './runProcess.js';
import { keyShapeProblem } from './keyShapes.js';
import { containerCredentials } from './containerCredentials.js';
import { instanceCredentials } from './instanceMetadata.js';
import { RUNNER_WHERE, lookedFor } from './runnerIdentity.js';

export function maskCredentials(creds: AwsCredentials): void {
  core.setSecret(creds.accessKeyId);
  core.setSecret(creds.secretAccessKey);
  if (creds.sessionToken) core.setSecret(creds.sessionToken);
}

/** `deadline` (epoch ms): a credential_process is stopped in time for its failure to be reported before it. */
export async function sourceCredentials(
  source: Exclude<Source, { kind: 'web-identity' }>,
  env: NodeJS.ProcessEnv,
  deadline: number = Date.now() + PROCESS_TIMEOUT_MS + 2 * PROCESS_KILL_GRACE_MS,
): Promise<AwsCredentials> {
  switch (source.kind) {
    case 'static':
      maskCredentials(source.credentials);
      return source.credentials;
    case 'environment':
      return fromEnvironment(source, env);
    case 'container':
    case 'instance-metadata':
      return fromMetadata(source, env);
    case 'process':
      return fromProcess(source, deadline);
  }
}

function fromEnvironment(source: Extract<Source, { kind: 'environment' }>, env: NodeJS.ProcessEnv): AwsCredentials {
  const accessKeyId = env['AWS_ACCESS_KEY_ID'] || undefined;
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'] || undefined;
  const sessionToken = env['AWS_SECURITY_TOKEN'] || env['AWS_SESSION_TOKEN'] || undefined;
  for (const value of [accessKeyId, secretAccessKey, sessionToken]) if (value) core.setSecret(value);
  if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey, sessionToken };
  const inProfile = source.origin.profile !== undefined;
  if (accessKeyId || secretAccessKey) {
    // One of the pair: botocore's env provider calls this partial credentials.
    const missing = accessKeyId ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID';
    const detail = `Partial credentials found in env, missing: ${missing}`;
    throw inProfile ? new ConfigError('PartialCredentialsError', detail, source.origin) : new UserError(`role-chaining: ${detail}`);
  }
  throw inProfile
    ? new ConfigError(
        'CredentialRetrievalError',
        `Error when retrieving credentials from Environment: No credentials found in credential_source referenced in profile ${source.origin.profile}`,
        source.origin,
      )
    : new UserError(
        'role-chaining: no credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set); an earlier step must export them',
      );
}

/**
 * The container endpoint or IMDS. For a config profile's credential_source the error is botocore's;
 * for the runner's own identity (no source input) it says what was looked for, IMDS being the last resort.
 */
async function fromMetadata(source: Extract<Source, { kind: 'container' | 'instance-metadata' }>, env: NodeJS.ProcessEnv): Promise<AwsCredentials> {
  try {
    return source.kind === 'container' ? await containerCredentials(env) : await instanceCredentials(env);
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n')[0]! : 'unknown error';
    if (source.origin.where === RUNNER_WHERE) {
      throw new UserError(source.kind === 'container' ? `Source identity: the container credentials endpoint failed: ${detail}` : lookedFor(detail));
    }
    const name = source.kind === 'container' ? 'EcsContainer' : 'Ec2InstanceMetadata';
    throw new ConfigError(
      'CredentialRetrievalError',
      `Error when retrieving credentials from ${name}: No credentials found in credential_source referenced in profile ${source.origin.profile ?? ''} (${detail})`,
      source.origin,
    );
  }
}

/**
 * botocore's custom-process provider: the command is split as botocore splits it on this platform
 * (shlex; the MS C runtime rules on Windows) and started with no shell.
 */
async function fromProcess(source: Extract<Source, { kind: 'process' }>, deadline: number): Promise<AwsCredentials> {
  const fail = (detail: string) =>
    new ConfigError('CredentialRetrievalError', `Error when retrieving credentials from custom-process: ${detail}`, source.origin);
  const argv = compatShellSplit(source.command, process.platform);
  if (!argv || argv.length === 0) throw fail('the credential_process command is empty or has an unclosed quote');
  // Room for the kill's grace period and the report, inside the step's deadline.
  // Whole seconds, so the timeout reported is the one applied.
  const timeoutMs = Math.max(1000, Math.round(Math.min(PROCESS_TIMEOUT_MS, deadline - Date.now() - PROCESS_KILL_GRACE_MS - 1000) / 1000) * 1000);
  const out = await runProcess(argv, timeoutMs);
  if (out.kind !== 'exited') throw fail(unfinished(out, argv[0]!, timeoutMs));
  let parsed: Record<string, unknown> | undefined;
  try {
    const value = JSON.parse(out.stdout) as unknown;
    if (typeof value === 'object' && value !== null) parsed = value as Record<string, unknown>;
  } catch {
    parsed = undefined;
  }
  // Everything secret the process printed is masked before anything it printed is quoted.
  const secrets = ['AccessKeyId', 'SecretAccessKey', 'SessionToken'].map((key) => parsed?.[key]).filter((v): v is string => typeof v === 'string' && v !== '');
  for (const secret of secrets) core.setSecret(secret);
  if (out.exitCode !== 0) {
    // botocore's wording: the process's own stderr (here its short, redacted tail), else how it ended.
    const said = diagnostic(out.stderr, { secrets, tail: true });
    throw fail(said || (out.exitCode === null ? `the process was killed by ${out.signal ?? 'a signal'}` : `the process exited with code ${out.exitCode}`));
  }
  if (!parsed) throw fail('the process did not print a JSON object');
  if (parsed['Version'] !== 1) {
    const version = 'Version' in parsed ? diagnostic(String(parsed['Version'])) : '<Version key not provided>';
    throw fail(`Unsupported version '${version}' for credential process provider, supported versions: 1`);
  }
  for (const key of ['AccessKeyId', 'SecretAccessKey']) {
    if (typeof parsed[key] !== 'string') throw fail(`Missing required key in response: '${key}'`);
  }
  const creds = {
    accessKeyId: parsed['AccessKeyId'] as string,
    secretAccessKey: parsed['SecretAccessKey'] as string,
    sessionToken: typeof parsed['SessionToken'] === 'string' ? parsed['SessionToken'] : undefined,
    expiration: typeof parsed['Expiration'] === 'string' ? new Date(parsed['Expiration']) : undefined,
  };
  const problem = keyShapeProblem(creds, false);
  if (problem) throw fail(`the process's answer was refused: ${problem}`);
  return creds;
}

/** Why a credential_process gave no answer: it could not start, ran out of time, or printed too much. */
function unfinished(out: Exclude<ProcessOutcome, { kind: 'exited' }>, command: string, timeoutMs: number): string {
  if (out.kind === 'not-started') return `cannot run ${diagnostic(command)} (${out.code})`;
  const said = diagnostic(out.stderr, { tail: true });
  const tail = said ? `; its stderr ends: ${said}` : '';
  if (out.kind === 'timed-out') return `the process timed out after ${seconds(timeoutMs)} and was stopped${tail}`;
  return `the process printed more than ${MAX_PROCESS_STDOUT_BYTES / 1024} KiB on stdout and was stopped${tail}`;
}
