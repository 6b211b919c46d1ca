/**
 * One request to a credentials endpoint on the runner's own network (the container endpoint, IMDS):
 * node:http(s), never through a proxy (these addresses are link-local or loopback), the body capped
 * and the whole exchange bounded by a short deadline, so an endpoint that is not AWS's (an Azure VM
 * answers on 169.254.169.254 too) or not there at all costs about a second.
 */
import { readReply, withRequestDeadline } from '../net/bounded.js';
import { MAX_METADATA_REPLY_BYTES, METADATA_TIMEOUT_MS } from '../net/limits.js';

export interface MetadataReply {
  readonly status: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** A request that could not complete (refused, timed out, too large): another attempt may help. */
export class MetadataUnreachable extends Error {}

export async function metadataRequest(
  url: URL,
  init: { readonly method: 'GET' | 'PUT'; readonly headers: Record<string, string>; readonly timeoutMs?: number },
): Promise<MetadataReply> {
  const { request, Agent } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  // A fresh agent: the global one may be set to use the environment's proxy (NODE_USE_ENV_PROXY).
  const agent = new Agent({ keepAlive: false });
  const ms = init.timeoutMs ?? METADATA_TIMEOUT_MS;
  try {
    return await withRequestDeadline(
      url.host,
      ms,
      (signal) =>
        new Promise<MetadataReply>((resolve, reject) => {
          const req = request(url, { method: init.method, headers: init.headers, agent, signal }, (res) => {
            readReply(res, MAX_METADATA_REPLY_BYTES).then(
              (bytes) => resolve({ status: res.statusCode ?? 0, body: bytes.toString('utf8'), headers: res.headers }),
              reject,
            );
          });
          // Only node's error code is quoted: its message can be long and name internals.
          req.on('error', (err: NodeJS.ErrnoException) => reject(new MetadataUnreachable(`${url.host} unreachable (${err.code ?? err.name})`)));
          req.end();
        }),
    );
  } catch (err) {
    if (err instanceof MetadataUnreachable) throw err;
    throw new MetadataUnreachable(err instanceof Error ? err.message : String(err));
  } finally {
    agent.destroy();
  }
}

/**
 * A credentials document as the container endpoint and IMDS both send it: AccessKeyId,
 * SecretAccessKey, Token, Expiration. Undefined when the body is not one (the caller says so, never
 * quoting the body: it may hold keys).
 */
export function parseCredentialsDocument(body: string): { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date } | undefined {
  let doc: Record<string, unknown>;
  try {
    const value = JSON.parse(body) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    doc = value as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const { AccessKeyId: accessKeyId, SecretAccessKey: secretAccessKey, Token: token, Expiration: expiration } = doc;
  if (typeof accessKeyId !== 'string' || typeof secretAccessKey !== 'string') return undefined;
  if (token !== undefined && typeof token !== 'string') return undefined;
  let expires: Date | undefined;
  if (expiration !== undefined) {
    expires = typeof expiration === 'string' ? new Date(expiration) : undefined;
    if (!expires || Number.isNaN(expires.getTime())) return undefined;
  }
  return { accessKeyId, secretAccessKey, sessionToken: token || undefined, expiration: expires };
}

/**
 * Why a credentials document that parsed is still refused: already expired (a stale cache behind the
 * endpoint, or a replayed answer). botocore refuses such credentials too; used, they would fail later
 * with a less helpful STS error, or be cached by the refresh helper.
 */
export function expiredProblem(expiration: Date | undefined, now = Date.now()): string | undefined {
  return expiration !== undefined && expiration.getTime() <= now ? `its credentials expired at ${expiration.toISOString()}` : undefined;
}
