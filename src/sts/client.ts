/**
 * The STS client: one function per STS action; each makes exactly one HTTP request (retry.ts is the
 * single retry layer) with a connect timeout, a total deadline and a cap on the reply's size, and
 * every reply is checked against its request (verifyReply.ts) before anything in it is used.
 *
 * Calls go through the lean client (lean.ts: SigV4 on node:crypto, the Query protocol over
 * node:http(s)), which costs a cold process about a third of the SDK's CPU; endpoint.ts's one
 * decision sends the cases whose endpoint only the SDK resolves (FIPS, dual-stack, endpoint settings
 * in the shared config files, other partitions) to @aws-sdk/client-sts (sdkClient.ts, loaded then).
 * Both use the same keep-alive agents, which carry all hops and targets of the process, and the
 * same error mapping (errors.ts).
 */
import type { PostLimits, PostTransport } from '../net/boundedPost.js';
import { agentOptions, type ProxyEnv } from '../net/proxy.js';
import { preconnect, type Preconnect } from '../net/preconnect.js';
import { CONNECT_TIMEOUT_MS, MAX_STS_REPLY_BYTES, REQUEST_DEADLINE_MS } from '../net/limits.js';
import type { AwsCredentials, Hop } from '../base/types.js';
import { ConfigError } from '../base/errors.js';
import type { EndpointChoice } from './endpoint.js';
import { toStsError, StsError } from './errors.js';
import type { StsAction, StsParams } from './query.js';
import type { AssumeRoleFields } from './replies.js';
import type { Agents } from './sdkClient.js';
import { verifyAssumeRoleReply, verifyCallerIdentity } from './verifyReply.js';

/** Per-request limits (net/limits.ts): a connection that takes longer is down; a request that takes longer is lost. */
export { CONNECT_TIMEOUT_MS };
export const RESPONSE_TIMEOUT_MS = REQUEST_DEADLINE_MS;

export interface StsConnection {
  /** Undefined ⇒ no region is known (keys, no role): the global endpoint, signed for us-east-1. */
  readonly region?: string;
  /** Explicit endpoint; undefined ⇒ AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, then the regional endpoint. */
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

interface Loaded {
  readonly lean: typeof import('./lean.js');
  readonly agents: Agents;
  readonly transports: Readonly<Record<'http:' | 'https:', PostTransport>>;
}

let loaded: Promise<Loaded> | undefined;
let warm: Preconnect | undefined;
let sdkLoaded = false;

function load(conn: StsConnection): Promise<Loaded> {
  loaded ??= Promise.all([import('node:http'), import('node:https'), import('./lean.js')]).then(([http, https, lean]) => {
    const agents = { 'http:': new http.Agent(agentOptions(conn.proxyEnv)), 'https:': new https.Agent(agentOptions(conn.proxyEnv)) };
    return {
      lean,
      agents,
      transports: {
        'http:': { request: http.request, agent: agents['http:'] },
        'https:': { request: https.request as unknown as PostTransport['request'], agent: agents['https:'] },
      },
    };
  });
  return loaded;
}

/**
 * Called while the step waits for its first source (the OIDC token request): loads the client and
 * node's HTTP modules and opens the connection to the endpoint the first call will use, so neither waits after
 * the token arrives. Silent: a load or connect failure here is met (and reported) by the call itself.
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
  warm?.discard();
  warm = undefined;
  if (sdkLoaded) {
    sdkLoaded = false;
    await (await import('./sdkClient.js')).closeSdk();
  }
  if (current) {
    const { agents } = await current;
    agents['http:'].destroy();
    agents['https:'].destroy();
  }
}

/**
 * The endpoint given explicitly to the decision and to the SDK: the connection's own, or, without a
 * region, the global endpoint (or the environment's), which nothing else could resolve.
 */
function sdkEndpoint(conn: StsConnection): string | undefined {
  return conn.endpoint ?? (conn.region === undefined ? endpointFor(conn) : undefined);
}

/** The decision for `conn` (endpoint.ts), made once per region and endpoint in a process. */
const choices = new Map<string, EndpointChoice>();
function choose(conn: StsConnection, { chooseEndpoint, readSharedConfig }: Loaded['lean']): EndpointChoice {
  const key = `${conn.region}\n${conn.endpoint ?? ''}`;
  let choice = choices.get(key);
  if (!choice) {
    choice = chooseEndpoint({ region: conn.region ?? GLOBAL_SIGNING_REGION, endpoint: sdkEndpoint(conn) }, process.env, readSharedConfig(process.env));
    choices.set(key, choice);
  }
  return choice;
}

const limits = (conn: StsConnection): PostLimits => ({
  connectTimeoutMs: conn.connectTimeoutMs,
  deadlineMs: conn.requestTimeoutMs,
  capBytes: MAX_STS_REPLY_BYTES,
});

/** One call by whichever client `choose` picks; the SDK client is loaded on its first use. */
async function send<T>(
  conn: StsConnection,
  lean: (m: Loaded['lean'], t: PostTransport, target: { url: URL; region: string }) => Promise<T>,
  sdk: (
    m: typeof import('./sdkClient.js'),
    c: { region?: string; endpoint?: string; connectTimeoutMs: number; requestTimeoutMs: number },
    agents: Agents,
  ) => Promise<T>,
): Promise<T> {
  const { lean: leanModule, agents, transports } = await load(conn);
  const choice = choose(conn, leanModule);
  if (choice.kind === 'lean')
    return lean(leanModule, transports[choice.url.protocol as 'http:' | 'https:'], { url: choice.url, region: conn.region ?? GLOBAL_SIGNING_REGION });
  const m = await import('./sdkClient.js');
  sdkLoaded = true;
  return sdk(m, { region: conn.region, endpoint: sdkEndpoint(conn), connectTimeoutMs: conn.connectTimeoutMs, requestTimeoutMs: conn.requestTimeoutMs }, agents);
}

function assumeCall(conn: StsConnection, action: StsAction & `AssumeRole${string}`, params: StsParams, keys?: AwsCredentials): Promise<AssumeRoleFields> {
  return send(
    conn,
    (m, t, target) => m.leanAssumeRole(t, limits(conn), action, params, target, keys),
    (m, c, agents) => m.sdkAssumeRole(c, agents, action, params, keys),
  );
}

/** The reply, checked against the hop that asked for it; the account is the requested role's. */
function assumed(hop: Hop, action: 'AssumeRole' | 'AssumeRoleWithWebIdentity', reply: AssumeRoleFields): AssumedRole {
  return verifyAssumeRoleReply({ action, roleArn: hop.roleArn, sessionName: hop.roleSessionName, durationSeconds: hop.durationSeconds }, reply);
}

const some = <T>(xs: readonly T[]) => (xs.length > 0 ? xs : undefined);

export async function assumeRole(conn: StsConnection, signer: AwsCredentials, hop: Hop, tokenCode: string | undefined): Promise<AssumedRole> {
  try {
    const params: StsParams = {
      RoleArn: hop.roleArn,
      RoleSessionName: hop.roleSessionName,
      DurationSeconds: hop.durationSeconds,
      ExternalId: hop.externalId,
      Tags: some(hop.tags.map((t) => ({ Key: t.key, Value: t.value }))),
      TransitiveTagKeys: some(hop.transitiveTagKeys),
      Policy: hop.policy,
      PolicyArns: some(hop.policyArns),
      SourceIdentity: hop.sourceIdentity,
      SerialNumber: hop.mfa?.serialNumber,
      TokenCode: hop.mfa ? tokenCode : undefined,
    };
    return assumed(hop, 'AssumeRole', await assumeCall(conn, 'AssumeRole', params, signer));
  } catch (err) {
    if (err instanceof StsError || err instanceof ConfigError) throw err;
    throw toStsError(err, 'AssumeRole', endpointFor(conn), hop.roleArn, [signer.secretAccessKey, signer.sessionToken]);
  }
}

export async function assumeRoleWithWebIdentity(conn: StsConnection, hop: Hop, token: string): Promise<AssumedRole> {
  try {
    const params: StsParams = {
      RoleArn: hop.roleArn,
      RoleSessionName: hop.roleSessionName,
      WebIdentityToken: token,
      DurationSeconds: hop.durationSeconds,
      Policy: hop.policy,
      PolicyArns: some(hop.policyArns),
    };
    return assumed(hop, 'AssumeRoleWithWebIdentity', await assumeCall(conn, 'AssumeRoleWithWebIdentity', params));
  } catch (err) {
    if (err instanceof StsError || err instanceof ConfigError) throw err;
    throw toStsError(err, 'AssumeRoleWithWebIdentity', endpointFor(conn), hop.roleArn, [token]);
  }
}

export async function getCallerIdentity(conn: StsConnection, credentials: AwsCredentials): Promise<CallerIdentity> {
  try {
    const out = await send(
      conn,
      (m, t, target) => m.leanCallerIdentity(t, limits(conn), target, credentials),
      (m, c, agents) => m.sdkCallerIdentity(c, agents, credentials),
    );
    return verifyCallerIdentity(out.arn, out.account);
  } catch (err) {
    if (err instanceof StsError || err instanceof ConfigError) throw err;
    throw toStsError(err, 'GetCallerIdentity', endpointFor(conn), undefined, [credentials.secretAccessKey, credentials.sessionToken]);
  }
}
