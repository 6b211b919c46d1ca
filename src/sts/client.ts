/**
 * The only importer of @aws-sdk/client-sts. One function per STS action; each makes exactly one
 * HTTP request (the SDK's own retries are off — retry.ts is the single retry layer) with
 * connect and response timeouts.
 *
 * The SDK is loaded on the first call, so a dry run or an input error never pays for it, and every
 * client shares one HTTP handler whose keep-alive agents carry all hops and targets of the process.
 */
import type { Credentials as StsCredentials, STSClient } from '@aws-sdk/client-sts';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import { agentOptions, type ProxyEnv } from '../net/proxy.js';
import type { AwsCredentials, Hop } from '../plan/types.js';
import { toStsError, StsError } from './errors.js';

/** Per-request limits: a connection that takes longer is down; a response that takes longer is lost. */
export const CONNECT_TIMEOUT_MS = 3000;
export const RESPONSE_TIMEOUT_MS = 10000;

export interface StsConnection {
  readonly region: string;
  /** Explicit endpoint; undefined ⇒ the SDK's resolution (AWS_ENDPOINT_URL_STS, then the regional endpoint). */
  readonly endpoint?: string;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** Route through this proxy (undefined ⇒ direct). */
  readonly proxyEnv?: ProxyEnv;
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

type Sdk = typeof import('@aws-sdk/client-sts');

let loaded: Promise<{ sdk: Sdk; handler: NodeHttpHandler }> | undefined;

function load(conn: StsConnection): Promise<{ sdk: Sdk; handler: NodeHttpHandler }> {
  loaded ??= Promise.all([import('@aws-sdk/client-sts'), import('@smithy/node-http-handler'), import('node:http'), import('node:https')]).then(
    ([sdk, handlers, http, https]) => ({
      sdk,
      handler: new handlers.NodeHttpHandler({
        connectionTimeout: conn.connectTimeoutMs,
        requestTimeout: conn.requestTimeoutMs,
        // Without throwOnRequestTimeout the handler only logs a warning and keeps waiting.
        throwOnRequestTimeout: true,
        httpAgent: new http.Agent(agentOptions(conn.proxyEnv)),
        httpsAgent: new https.Agent(agentOptions(conn.proxyEnv)),
      }),
    }),
  );
  return loaded;
}

/** Closes the shared keep-alive connections (the process would otherwise wait for them to idle out). */
export async function closeStsConnections(): Promise<void> {
  const current = loaded;
  loaded = undefined;
  if (current) (await current).handler.destroy();
}

async function client(conn: StsConnection, credentials?: AwsCredentials): Promise<{ sdk: Sdk; sts: STSClient }> {
  const { sdk, handler } = await load(conn);
  const sts = new sdk.STSClient({
    region: conn.region,
    endpoint: conn.endpoint,
    maxAttempts: 1,
    credentials: credentials && {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    },
    requestHandler: handler,
    customUserAgent: 'aws-assume-chain',
  });
  return { sdk, sts };
}

/** Per-call response timeout: the deadline may leave less than the handler's default. */
const callOptions = (conn: StsConnection) => ({ requestTimeout: conn.requestTimeoutMs });

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
  try {
    const { sdk, sts } = await client(conn, signer);
    const out = await sts.send(
      new sdk.AssumeRoleCommand({
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
      callOptions(conn),
    );
    return assumed('AssumeRole', hop.roleArn, out.Credentials, out.AssumedRoleUser?.Arn);
  } catch (err) {
    if (err instanceof StsError) throw err;
    throw toStsError(err, 'AssumeRole', endpointFor(conn), hop.roleArn);
  }
}

export async function assumeRoleWithWebIdentity(conn: StsConnection, hop: Hop, token: string): Promise<AssumedRole> {
  try {
    const { sdk, sts } = await client(conn);
    const out = await sts.send(
      new sdk.AssumeRoleWithWebIdentityCommand({
        RoleArn: hop.roleArn,
        RoleSessionName: hop.roleSessionName,
        WebIdentityToken: token,
        DurationSeconds: hop.durationSeconds,
        Policy: hop.policy,
        PolicyArns: hop.policyArns.length > 0 ? hop.policyArns.map((arn) => ({ arn })) : undefined,
      }),
      callOptions(conn),
    );
    return assumed('AssumeRoleWithWebIdentity', hop.roleArn, out.Credentials, out.AssumedRoleUser?.Arn);
  } catch (err) {
    if (err instanceof StsError) throw err;
    throw toStsError(err, 'AssumeRoleWithWebIdentity', endpointFor(conn), hop.roleArn);
  }
}

export async function getCallerIdentity(conn: StsConnection, credentials: AwsCredentials): Promise<CallerIdentity> {
  try {
    const { sdk, sts } = await client(conn, credentials);
    const out = await sts.send(new sdk.GetCallerIdentityCommand({}), callOptions(conn));
    if (!out.Arn) throw new StsError('GetCallerIdentity', 'IncompleteResponse', undefined, 'STS returned no ARN', false);
    return { arn: out.Arn, accountId: out.Account ?? accountOf(out.Arn) };
  } catch (err) {
    if (err instanceof StsError) throw err;
    throw toStsError(err, 'GetCallerIdentity', endpointFor(conn));
  }
}
