/**
 * First credentials of a chain whose source is not web identity: static keys, the environment,
 * the container endpoint or instance metadata (through the AWS SDK's providers), or credential_process.
 * Every secret is masked as soon as it is known.
 */
import * as core from '../runner.js';
import { execFile } from 'node:child_process';
import { shlexSplit } from '../config/configparser.js';
import { ConfigError, UserError } from '../errors.js';
import type { AwsCredentials, Source } from '../plan/types.js';

export function maskCredentials(creds: AwsCredentials): void {
  core.setSecret(creds.accessKeyId);
  core.setSecret(creds.secretAccessKey);
  if (creds.sessionToken) core.setSecret(creds.sessionToken);
}

export async function sourceCredentials(source: Exclude<Source, { kind: 'web-identity' }>, env: NodeJS.ProcessEnv): Promise<AwsCredentials> {
  switch (source.kind) {
    case 'static':
      maskCredentials(source.credentials);
      return source.credentials;
    case 'environment':
      return fromEnvironment(source, env);
    case 'container':
    case 'instance-metadata':
      return fromSdkProvider(source);
    case 'process':
      return fromProcess(source);
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
    : new UserError('role-chaining: no credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set); an earlier step must export them');
}

async function fromSdkProvider(source: Extract<Source, { kind: 'container' | 'instance-metadata' }>): Promise<AwsCredentials> {
  const imds = await import('@smithy/credential-provider-imds');
  const name = source.kind === 'container' ? 'EcsContainer' : 'Ec2InstanceMetadata';
  try {
    // botocore's IMDS fetcher honours this switch too: disabled metadata means no credentials.
    if (source.kind === 'instance-metadata' && process.env['AWS_EC2_METADATA_DISABLED']?.toLowerCase() === 'true') {
      throw new Error('AWS_EC2_METADATA_DISABLED is true');
    }
    const provider =
      source.kind === 'container'
        ? imds.fromContainerMetadata({ timeout: 2000, maxRetries: 2 })
        : imds.fromInstanceMetadata({ timeout: 2000, maxRetries: 2 });
    const c = await provider();
    const creds = { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: c.expiration };
    maskCredentials(creds);
    return creds;
  } catch (err) {
    throw new ConfigError(
      'CredentialRetrievalError',
      `Error when retrieving credentials from ${name}: No credentials found in credential_source referenced in profile ${source.origin.profile ?? ''}` +
        ` (${err instanceof Error ? err.message.split('\n')[0] : 'unknown error'})`,
      source.origin,
    );
  }
}

/** botocore's custom-process provider: the command is split like a shell would (no shell runs it). */
async function fromProcess(source: Extract<Source, { kind: 'process' }>): Promise<AwsCredentials> {
  const fail = (detail: string) =>
    new ConfigError('CredentialRetrievalError', `Error when retrieving credentials from custom-process: ${detail}`, source.origin);
  const argv = shlexSplit(source.command);
  if (!argv || argv.length === 0) throw fail('the credential_process command is empty or has an unclosed quote');
  const out = await runProcess(argv);
  if (out.error) throw fail(out.error);
  let parsed: Record<string, unknown> | undefined;
  try {
    const value = JSON.parse(out.stdout) as unknown;
    if (typeof value === 'object' && value !== null) parsed = value as Record<string, unknown>;
  } catch {
    parsed = undefined;
  }
  for (const key of ['AccessKeyId', 'SecretAccessKey', 'SessionToken']) {
    if (typeof parsed?.[key] === 'string') core.setSecret(parsed[key] as string);
  }
  if (out.exitCode !== 0) throw fail(out.stderr.trim() || `the process exited with code ${out.exitCode}`);
  if (!parsed) throw fail('the process did not print a JSON object');
  if (parsed['Version'] !== 1) {
    const version = 'Version' in parsed ? String(parsed['Version']) : '<Version key not provided>';
    throw fail(`Unsupported version '${version}' for credential process provider, supported versions: 1`);
  }
  for (const key of ['AccessKeyId', 'SecretAccessKey']) {
    if (typeof parsed[key] !== 'string') throw fail(`Missing required key in response: '${key}'`);
  }
  return {
    accessKeyId: parsed['AccessKeyId'] as string,
    secretAccessKey: parsed['SecretAccessKey'] as string,
    sessionToken: typeof parsed['SessionToken'] === 'string' ? parsed['SessionToken'] : undefined,
    expiration: typeof parsed['Expiration'] === 'string' ? new Date(parsed['Expiration']) : undefined,
  };
}

function runProcess(argv: string[]): Promise<{ exitCode: number; stdout: string; stderr: string; error?: string }> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 60_000, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      const code = (err as (NodeJS.ErrnoException & { code?: unknown }) | null)?.code;
      if (typeof code === 'string') resolve({ exitCode: -1, stdout, stderr, error: `cannot run ${argv[0]} (${code})` });
      else resolve({ exitCode: typeof code === 'number' ? code : err ? 1 : 0, stdout, stderr });
    });
  });
}
