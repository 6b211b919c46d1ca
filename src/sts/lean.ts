/**
 * The lean STS client: one Query POST (query.ts), SigV4-signed on node:crypto (sigv4.ts) unless
 * the action is AssumeRoleWithWebIdentity (which STS takes unsigned, as the SDK sends it), sent
 * under net/boundedPost.ts's bounds, its reply read by replies.ts. Error replies throw the SDK-shaped
 * ReplyError, network failures node's own errors, so errors.ts maps them as it maps the SDK's.
 */
import { boundedPost, type PostLimits, type PostTransport } from '../net/boundedPost.js';
import { queryBody, type StsAction, type StsParams } from './query.js';
import { readAssumeRoleReply, readCallerIdentity, readErrorReply, type AssumeRoleFields } from './replies.js';
import { requestPath } from './endpoint.js';

// client.ts loads this module on first use (a dry run never does); the endpoint decision comes with it.
export { chooseEndpoint, readSharedConfig } from './endpoint.js';
import { signRequest, type SigningKeys } from './sigv4.js';

export const USER_AGENT = 'aws-assume-chain';

export interface LeanTarget {
  readonly url: URL;
  /** The signing region. */
  readonly region: string;
}

/** The headers and body of one request; pure apart from hashing (`now` is the signing time). */
export function buildRequest(
  action: StsAction,
  params: StsParams,
  target: LeanTarget,
  keys: SigningKeys | undefined,
  now: Date,
): { url: URL; path: string; headers: Record<string, string>; body: string } {
  const body = queryBody(action, params);
  const path = requestPath(target.url);
  const base = { host: target.url.host, 'content-type': 'application/x-www-form-urlencoded' };
  const signed: Record<string, string> = keys ? signRequest({ path, headers: base, body, region: target.region, service: 'sts', now }, keys) : base;
  // User-Agent is sent but not signed, as the SDK does: a proxy may rewrite it.
  return { url: target.url, path, headers: { ...signed, 'user-agent': USER_AGENT }, body };
}

async function call(t: PostTransport, limits: PostLimits, action: StsAction, params: StsParams, target: LeanTarget, keys?: SigningKeys) {
  const reply = await boundedPost(t, buildRequest(action, params, target, keys, new Date()), limits);
  const text = reply.body.toString('utf8');
  if (reply.status >= 300 || reply.status < 200) throw readErrorReply(reply.status, text);
  return { status: reply.status, text };
}

export async function leanAssumeRole(
  t: PostTransport,
  limits: PostLimits,
  action: 'AssumeRole' | 'AssumeRoleWithWebIdentity',
  params: StsParams,
  target: LeanTarget,
  keys?: SigningKeys,
): Promise<AssumeRoleFields> {
  const { status, text } = await call(t, limits, action, params, target, keys);
  return readAssumeRoleReply(action, status, text);
}

export async function leanCallerIdentity(
  t: PostTransport,
  limits: PostLimits,
  target: LeanTarget,
  keys: SigningKeys,
): Promise<{ arn?: string; account?: string }> {
  const { status, text } = await call(t, limits, 'GetCallerIdentity', {}, target, keys);
  return readCallerIdentity(status, text);
}
