/**
 * The only importer of @aws-sdk/client-sts. One function per STS action; each makes exactly one
 * HTTP request (the SDK's own retries are off — retry.ts is the single retry layer) with a connect
 * timeout, a total deadline and a cap on the reply's size (net/boundedHandler.ts), and every reply
 * is checked against its request (verifyReply.ts) before anything in it is used.
 *
 * The SDK is loaded on the first call, so a dry run or an input error never pays for it, and every
 * client shares one HTTP handler whose keep-alive agents carry all hops and targets of the process.
 */
import type { Credentials as StsCredentials, STSClient } from '@aws-sdk/client-sts';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import { agentOptions, type ProxyEnv } from '../net/proxy.js';
import { BoundedHandler } from '../net/boundedHandler.js';
import { preconnect, type Preconnect } from '../net/preconnect.js';
import { CONNECT_TIMEOUT_MS, MAX_STS_REPLY_BYTES, REQUEST_DEADLINE_MS } from '../net/limits.js';
import type { AwsCredentials, Hop } from '../base/types.js';
import { toStsError, StsError } from './errors.js';
import { verifyAssumeRoleReply, verifyCallerIdentity } from './verifyReply.js';

/** Per-request limits (net/limits.ts): a connection that takes longer is down; a request that takes longer is lost. */
export { CONNECT_TIMEOUT_MS };
export const RESPONSE_TIMEOUT_MS = REQUEST_DEADLINE_MS;

export interface StsConnection {
  /** Undefined ⇒ no region is known (keys, no role): the global endpoint, signed for us-east-1. */
  readonly region?: string;
  /** Explicit endpoint; undefined ⇒ the SDK's resolution (AWS_ENDPOINT_URL_STS, then the regional endpoint). */
  readonly endpoint?: string;
  readonly connectTimeoutMs: number;
  /** Total time for one request, connect to last byte. */
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

/** The aws partition's global STS endpoint, and the region its requests are signed for. */
const GLOBAL_ENDPOINT = 'https://sts.amazonaws.com';
const GLOBAL_SIGNING_REGION = 'us-east-1';

export function endpointFor(conn: StsConnection, env: NodeJS.ProcessEnv = process.env): string {
  return (
    conn.endpoint ??
    env['AWS_ENDPOINT_URL_STS'] ??
    env['AWS_ENDPOINT_URL'] ??
    (conn.region === undefined ? GLOBAL_ENDPOINT : `https://sts.${conn.region}.amazonaws.com`)
  );
}

type Sdk = typeof import('@aws-sdk/client-sts');
interface Loaded {
  readonly sdk: Sdk;
  readonly handler: BoundedHandler;
  readonly agents: { readonly 'http:': import('node:http').Agent; readonly 'https:': import('node:https').Agent };
}

let loaded: Promise<Loaded> | undefined;
let warm: Preconnect | undefined;

function load(conn: StsConnection): Promise<Loaded> {
  loaded ??= Promise.all([import('@aws-sdk/client-sts'), import('@smithy/node-http-handler'), import('node:http'), import('node:https')]).then(
    ([sdk, handlers, http, https]) => {
      const agents = { 'http:': new http.Agent(agentOptions(conn.proxyEnv)), 'https:': new https.Agent(agentOptions(conn.proxyEnv)) };
      const inner: NodeHttpHandler = new handlers.NodeHttpHandler({
        connectionTimeout: conn.connectTimeoutMs,
        requestTimeout: conn.requestTimeoutMs,
        // Without throwOnRequestTimeout the handler only logs a warning and keeps waiting.
        throwOnRequestTimeout: true,
        httpAgent: agents['http:'],
        httpsAgent: agents['https:'],
      });
      return { sdk, handler: new BoundedHandler(inner, MAX_STS_REPLY_BYTES, conn.requestTimeoutMs), agents };
    },
  );
  return loaded;
}

/**
 * Called while the step waits for its first source (the OIDC token request): loads the SDK and opens
 * the connection to the endpoint the first call will use, so neither waits after the token arrives.
 * Silent: a load or connect failure here is met (and reported) by the call itself, in its order.
 */
export function warmSts(conn: StsConnection, env: NodeJS.ProcessEnv = process.env): void {
  const url = preconnectUrl(conn, env);
  load(conn).then(
    ({ agents }) => {
      if (url && !warm && loaded) warm = preconnect(agents[url.protocol as 'http:' | 'https:'], url, conn.connectTimeoutMs);
    },
    () => undefined,
  );
}

/**
 * Where the first call will connect, when that is certain without the SDK's resolver: an explicit
 * endpoint, or the plain regional endpoint of the aws partition when nothing (FIPS, dual-stack, the
 * global endpoint) changes it. Undefined ⇒ no pre-connect (a guess that missed would be a wasted socket).
 */
export function preconnectUrl(conn: StsConnection, env: NodeJS.ProcessEnv): URL | undefined {
  if (conn.proxyEnv) return undefined;
  const explicit = conn.endpoint ?? env['AWS_ENDPOINT_URL_STS'] ?? env['AWS_ENDPOINT_URL'];
  const variants = ['AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT', 'AWS_STS_REGIONAL_ENDPOINTS'].some((v) => env[v]);
  const region = conn.region;
  const plain = region !== undefined && /^(?:us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d$/.test(region) && !variants;
  const text = explicit ?? (plain ? `https://sts.${region}.amazonaws.com` : undefined);
  if (!text || !URL.canParse(text)) return undefined;
  const url = new URL(text);
  return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
}

/** Closes the shared keep-alive connections (the process would otherwise wait for them to idle out). */
export async function closeStsConnections(): Promise<void> {
  const current = loaded;
  loaded = undefined;
  // The cached clients hold the handler being destroyed: later calls build new ones on a new handler.
  clients = new WeakMap();
  warm?.discard();
  warm = undefined;
  if (current) (await current).handler.destroy();
}

/**
 * One STSClient per signer and endpoint, reused: building one runs the SDK's whole config resolution and
 * middleware stack, which a fan-out used to pay per call (1 000 targets all signed by the hub's credentials:
 * about 0.7 s of CPU in the profile). Keyed by the credentials object itself, so no secret is ever a key.
 */
let clients = new WeakMap<object, Map<string, STSClient>>();
const UNSIGNED = {};

async function client(conn: StsConnection, credentials?: AwsCredentials): Promise<{ sdk: Sdk; sts: STSClient }> {
  const { sdk, handler } = await load(conn);
  const byEndpoint = clients.get(credentials ?? UNSIGNED) ?? new Map<string, STSClient>();
  clients.set(credentials ?? UNSIGNED, byEndpoint);
  const key = `${conn.region}\n${conn.endpoint ?? ''}`;
  const cached = byEndpoint.get(key);
  if (cached) return { sdk, sts: cached };
  const sts = new sdk.STSClient({
    region: conn.region ?? GLOBAL_SIGNING_REGION,
    endpoint: conn.endpoint ?? (conn.region === undefined ? endpointFor(conn) : undefined),
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
const callOptions = (conn: StsConnection) => ({ requestTimeout: conn.requestTimeoutMs });

/** The reply, checked against the hop that asked for it; the account is the requested role's. */
function assumed(hop: Hop, creds: StsCredentials | undefined, arn: string | undefined): AssumedRole {
  return verifyAssumeRoleReply(
    { action: hop.action, roleArn: hop.roleArn, sessionName: hop.roleSessionName, durationSeconds: hop.durationSeconds },
    {
      accessKeyId: creds?.AccessKeyId,
      secretAccessKey: creds?.SecretAccessKey,
      sessionToken: creds?.SessionToken,
      expiration: creds?.Expiration,
      assumedRoleArn: arn,
    },
  );
}

export async function assumeRole(conn: StsConnection, signer: AwsCredentials, hop: Hop, tokenCode: string | undefined): Promise<AssumedRole> {
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
    return assumed({ ...hop, action: 'AssumeRole' }, out.Credentials, out.AssumedRoleUser?.Arn);
  } catch (err) {
    if (err instanceof StsError) throw err;
    throw toStsError(err, 'AssumeRole', endpointFor(conn), hop.roleArn, [signer.secretAccessKey, signer.sessionToken]);
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
    return assumed({ ...hop, action: 'AssumeRoleWithWebIdentity' }, out.Credentials, out.AssumedRoleUser?.Arn);
  } catch (err) {
    if (err instanceof StsError) throw err;
    throw toStsError(err, 'AssumeRoleWithWebIdentity', endpointFor(conn), hop.roleArn, [token]);
  }
}

export async function getCallerIdentity(conn: StsConnection, credentials: AwsCredentials): Promise<CallerIdentity> {
  try {
    const { sdk, sts } = await client(conn, credentials);
    const out = await sts.send(new sdk.GetCallerIdentityCommand({}), callOptions(conn));
    return verifyCallerIdentity(out.Arn, out.Account);
  } catch (err) {
    if (err instanceof StsError) throw err;
    throw toStsError(err, 'GetCallerIdentity', endpointFor(conn), undefined, [credentials.secretAccessKey, credentials.sessionToken]);
  }
}
