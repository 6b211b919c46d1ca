/**
 * The fallback STS client: @aws-sdk/client-sts, loaded only when endpoint.ts's chooseEndpoint
 * sends a call to it (FIPS, dual-stack, AWS_STS_REGIONAL_ENDPOINTS, an endpoint setting in the
 * shared config files, a region outside the aws, aws-cn and aws-us-gov patterns), so those cases
 * keep the SDK's own endpoint resolution. The only importer of the SDK. Its retries are off (retry.ts
 * is the single retry layer); its HTTP handler is net/boundedHandler.ts on the client's own agents.
 */
import type { STSClient } from '@aws-sdk/client-sts';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { BoundedHandler } from '../net/boundedHandler.js';
import { MAX_STS_REPLY_BYTES } from '../net/limits.js';
import type { AwsCredentials } from '../base/types.js';
import type { StsParams } from './query.js';
import type { AssumeRoleFields } from './replies.js';

export interface SdkConnection {
  /** Undefined ⇒ the global endpoint (`endpoint` is then set), signed for us-east-1. */
  readonly region?: string;
  readonly endpoint?: string;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

export interface Agents {
  readonly 'http:': HttpAgent;
  readonly 'https:': HttpsAgent;
}

type Sdk = typeof import('@aws-sdk/client-sts');

let loaded: Promise<{ sdk: Sdk; handler: BoundedHandler }> | undefined;
/** One STSClient per signer and endpoint (building one runs the SDK's whole config resolution); keyed by the credentials object, never a secret. */
let clients = new WeakMap<object, Map<string, STSClient>>();
const UNSIGNED = {};
const GLOBAL_SIGNING_REGION = 'us-east-1';

function load(conn: SdkConnection, agents: Agents) {
  loaded ??= Promise.all([import('@aws-sdk/client-sts'), import('@smithy/node-http-handler')]).then(([sdk, handlers]) => {
    const inner: NodeHttpHandler = new handlers.NodeHttpHandler({
      connectionTimeout: conn.connectTimeoutMs,
      requestTimeout: conn.requestTimeoutMs,
      // Without throwOnRequestTimeout the handler only logs a warning and keeps waiting.
      throwOnRequestTimeout: true,
      httpAgent: agents['http:'],
      httpsAgent: agents['https:'],
    });
    return { sdk, handler: new BoundedHandler(inner, MAX_STS_REPLY_BYTES, conn.requestTimeoutMs) };
  });
  return loaded;
}

async function client(conn: SdkConnection, agents: Agents, credentials?: AwsCredentials): Promise<{ sdk: Sdk; sts: STSClient }> {
  const { sdk, handler } = await load(conn, agents);
  const byEndpoint = clients.get(credentials ?? UNSIGNED) ?? new Map<string, STSClient>();
  clients.set(credentials ?? UNSIGNED, byEndpoint);
  const key = `${conn.region}\n${conn.endpoint ?? ''}`;
  const cached = byEndpoint.get(key);
  if (cached) return { sdk, sts: cached };
  const sts = new sdk.STSClient({
    region: conn.region ?? GLOBAL_SIGNING_REGION,
    endpoint: conn.endpoint,
    maxAttempts: 1,
    credentials: credentials && {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    },
    requestHandler: handler as unknown as NodeHttpHandler,
    customUserAgent: 'aws-assume-chain',
  });
  byEndpoint.set(key, sts);
  return { sdk, sts };
}

/** Per-call total deadline: the step's deadline may leave less than the handler's default. */
const callOptions = (conn: SdkConnection) => ({ requestTimeout: conn.requestTimeoutMs });

/** The SDK's shapes for the list parameters. */
const lists = (p: StsParams) => ({
  PolicyArns: p.PolicyArns?.map((arn) => ({ arn })),
  Tags: p.Tags?.map((t) => ({ Key: t.Key, Value: t.Value })),
  TransitiveTagKeys: p.TransitiveTagKeys && [...p.TransitiveTagKeys],
});

export async function sdkAssumeRole(
  conn: SdkConnection,
  agents: Agents,
  action: 'AssumeRole' | 'AssumeRoleWithWebIdentity',
  params: StsParams,
  credentials?: AwsCredentials,
): Promise<AssumeRoleFields> {
  const { sdk, sts } = await client(conn, agents, credentials);
  const input = { ...params, ...lists(params) } as never;
  const command = action === 'AssumeRole' ? new sdk.AssumeRoleCommand(input) : new sdk.AssumeRoleWithWebIdentityCommand(input);
  const out = await sts.send(command as InstanceType<Sdk['AssumeRoleCommand']>, callOptions(conn));
  const c = out.Credentials;
  return {
    accessKeyId: c?.AccessKeyId,
    secretAccessKey: c?.SecretAccessKey,
    sessionToken: c?.SessionToken,
    expiration: c?.Expiration,
    assumedRoleArn: out.AssumedRoleUser?.Arn,
  };
}

export async function sdkCallerIdentity(conn: SdkConnection, agents: Agents, credentials: AwsCredentials): Promise<{ arn?: string; account?: string }> {
  const { sdk, sts } = await client(conn, agents, credentials);
  const out = await sts.send(new sdk.GetCallerIdentityCommand({}), callOptions(conn));
  return { arn: out.Arn, account: out.Account };
}

/** Drops the SDK clients and closes its handler (the agents are the caller's to destroy). */
export async function closeSdk(): Promise<void> {
  const current = loaded;
  loaded = undefined;
  clients = new WeakMap();
  if (current) (await current).handler.destroy();
}
