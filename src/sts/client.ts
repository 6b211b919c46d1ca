/**
 * The only importer of @aws-sdk/client-sts. One function per STS action; each makes exactly one
 * HTTP request (the SDK's own retries are off — retry.ts is the single retry layer) with
 * connect and response timeouts.
 */
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
  type Credentials as StsCredentials,
} from '@aws-sdk/client-sts';
import type { AwsCredentials, Hop } from '../plan/types.js';
import { toStsError, StsError } from './errors.js';

export interface StsConnection {
  readonly region: string;
  /** Explicit endpoint; undefined ⇒ the SDK's resolution (AWS_ENDPOINT_URL_STS, then the regional endpoint). */
  readonly endpoint?: string;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

export interface AssumedRole {
  readonly credentials: AwsCredentials;
  readonly assumedRoleArn: string;
  readonly accountId: string;
}

export interface CallerIdentity {
  readonly arn: string;
  readonly accountId: string;
}

export function endpointFor(conn: StsConnection, env: NodeJS.ProcessEnv = process.env): string {
  return conn.endpoint ?? env['AWS_ENDPOINT_URL_STS'] ?? env['AWS_ENDPOINT_URL'] ?? `https://sts.${conn.region}.amazonaws.com`;
}

function client(conn: StsConnection, credentials?: AwsCredentials): STSClient {
  return new STSClient({
    region: conn.region,
    endpoint: conn.endpoint,
    maxAttempts: 1,
    credentials: credentials && {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    },
    // Without throwOnRequestTimeout the SDK only logs a warning and keeps waiting.
    requestHandler: { connectionTimeout: conn.connectTimeoutMs, requestTimeout: conn.requestTimeoutMs, throwOnRequestTimeout: true },
    customUserAgent: 'aws-assume-chain',
  });
}

/** Account ID is the 5th field of the assumed-role ARN: no extra STS call. */
export function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

function assumed(action: string, roleArn: string, creds: StsCredentials | undefined, arn: string | undefined): AssumedRole {
  if (!creds?.AccessKeyId || !creds.SecretAccessKey || !arn) {
    throw new StsError(action, 'IncompleteResponse', undefined, 'STS returned no credentials', false, roleArn);
  }
  return {
    credentials: {
      accessKeyId: creds.AccessKeyId,
      secretAccessKey: creds.SecretAccessKey,
      sessionToken: creds.SessionToken,
      expiration: creds.Expiration,
    },
    assumedRoleArn: arn,
    accountId: accountOf(arn),
  };
}

export async function assumeRole(
  conn: StsConnection,
  signer: AwsCredentials,
  hop: Hop,
  tokenCode: string | undefined,
): Promise<AssumedRole> {
  const sts = client(conn, signer);
  try {
    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: hop.roleArn,
        RoleSessionName: hop.roleSessionName,
        DurationSeconds: hop.durationSeconds,
        ExternalId: hop.externalId,
        Tags: hop.tags.length > 0 ? hop.tags.map((t) => ({ Key: t.key, Value: t.value })) : undefined,
        TransitiveTagKeys: hop.transitiveTagKeys.length > 0 ? [...hop.transitiveTagKeys] : undefined,
        Policy: hop.policy,
        PolicyArns: hop.policyArns.length > 0 ? hop.policyArns.map((arn) => ({ arn })) : undefined,
        SourceIdentity: hop.sourceIdentity,
        SerialNumber: hop.mfa?.serialNumber,
        TokenCode: hop.mfa ? tokenCode : undefined,
      }),
    );
    return assumed('AssumeRole', hop.roleArn, out.Credentials, out.AssumedRoleUser?.Arn);
  } catch (err) {
    if (err instanceof StsError) throw err;
    throw toStsError(err, 'AssumeRole', endpointFor(conn), hop.roleArn);
  } finally {
    sts.destroy();
  }
}

export async function assumeRoleWithWebIdentity(conn: StsConnection, hop: Hop, token: string): Promise<AssumedRole> {
  const sts = client(conn);
  try {
    const out = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: hop.roleArn,
        RoleSessionName: hop.roleSessionName,
        WebIdentityToken: token,
        DurationSeconds: hop.durationSeconds,
        Policy: hop.policy,
        PolicyArns: hop.policyArns.length > 0 ? hop.policyArns.map((arn) => ({ arn })) : undefined,
      }),
    );
    return assumed('AssumeRoleWithWebIdentity', hop.roleArn, out.Credentials, out.AssumedRoleUser?.Arn);
  } catch (err) {
    if (err instanceof StsError) throw err;
    throw toStsError(err, 'AssumeRoleWithWebIdentity', endpointFor(conn), hop.roleArn);
  } finally {
    sts.destroy();
  }
}

export async function getCallerIdentity(conn: StsConnection, credentials: AwsCredentials): Promise<CallerIdentity> {
  const sts = client(conn, credentials);
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    if (!out.Arn) throw new StsError('GetCallerIdentity', 'IncompleteResponse', undefined, 'STS returned no ARN', false);
    return { arn: out.Arn, accountId: out.Account ?? accountOf(out.Arn) };
  } catch (err) {
    if (err instanceof StsError) throw err;
    throw toStsError(err, 'GetCallerIdentity', endpointFor(conn));
  } finally {
    sts.destroy();
  }
}
