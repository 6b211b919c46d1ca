/**
 * First credentials of a chain whose source is not web identity: static keys, the environment,
 * the container endpoint or instance metadata (through the AWS SDK's providers), or credential_process.
 * Every secret is masked as soon as it is known.
 */
import * as core from '@actions/core';
import { getExecOutput } from '@actions/exec';
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
  if (!accessKeyId || !secretAccessKey) {
    const missing = !accessKeyId ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY';
    throw source.origin.profile !== undefined
      ? new ConfigError(
          'CredentialRetrievalError',
          `Error when retrieving credentials from Environment: No credentials found in credential_source referenced in profile ${source.origin.profile}`,
          source.origin,
        )
      : new UserError(`role-chaining: no credentials in the environment (${missing} is not set); an earlier step must export them`);
  }
  return { accessKeyId, secretAccessKey, sessionToken };
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

async function fromProcess(source: Extract<Source, { kind: 'process' }>): Promise<AwsCredentials> {
  const fail = (detail: string) => new ConfigError('CredentialRetrievalError', `Error when retrieving credentials from custom-process: ${detail}`, source.origin);
  let out: { exitCode: number; stdout: string; stderr: string };
  try {
    out = await getExecOutput(source.command, [], { silent: true, ignoreReturnCode: true });
  } catch (err) {
    throw fail(err instanceof Error ? err.message.split('\n')[0]! : 'could not run the process');
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(out.stdout) as Record<string, unknown>;
  } catch {
    if (out.exitCode !== 0) throw fail(`the process exited with code ${out.exitCode}`);
    throw fail('the process did not print JSON');
  }
  for (const key of ['AccessKeyId', 'SecretAccessKey', 'SessionToken']) {
    if (typeof parsed[key] === 'string') core.setSecret(parsed[key] as string);
  }
  if (out.exitCode !== 0) throw fail(`the process exited with code ${out.exitCode}`);
  if (parsed['Version'] !== 1) throw fail(`Unsupported version '${String(parsed['Version'])}' for credential process provider, supported versions: 1`);
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
