/**
 * Container credentials (ECS tasks, CodeBuild, EKS Pod Identity), read as the AWS SDKs document it:
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI under http://169.254.170.2, else _FULL_URI, whose plain-http
 * hosts are limited to loopback and the ECS/EKS link-local addresses; the Authorization header from
 * AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (re-read at each call, as EKS rotates it) or _TOKEN.
 *
 * Written here rather than taken from a provider package: the SDK's providers read process.env
 * themselves, buffer replies without a cap, and the one that honours the token file prints warnings
 * on its own. The token is a secret: masked as soon as it is read, never quoted.
 */
import * as core from '../base/runner.js';
import type { AwsCredentials } from '../base/types.js';
import { realpathSync } from 'node:fs';
import { TOKEN_FILE_CAP, gitPathProblem, readBoundedFile } from '../config/boundedFile.js';
import { keyShapeProblem } from './keyShapes.js';
import { MetadataUnreachable, expiredProblem, metadataRequest, parseCredentialsDocument } from './metadataHttp.js';

const ECS_HOST = '169.254.170.2';
/** Hosts plain http may name in _FULL_URI (besides loopback): ECS, EKS Pod Identity (IPv4, IPv6). */
const LINK_LOCAL_HOSTS = new Set([ECS_HOST, '169.254.170.23', '[fd00:ec2::23]']);
const ATTEMPTS = 2;

/** Where the container endpoint is, or why the environment's value is refused (never echoed: it may carry a secret). */
export function containerUrl(env: NodeJS.ProcessEnv): URL {
  const relative = env['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'] || undefined;
  if (relative !== undefined) {
    if (!relative.startsWith('/') || /[\s\\]/.test(relative)) throw new Error('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must be a path starting with "/"');
    return new URL(`http://${ECS_HOST}${relative}`);
  }
  const full = env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] || undefined;
  if (full === undefined) throw new Error('neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set');
  let url: URL;
  try {
    url = new URL(full);
  } catch {
    throw new Error('AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL');
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol !== 'http:') throw new Error('AWS_CONTAINER_CREDENTIALS_FULL_URI must be an http(s) URL');
  if (!LINK_LOCAL_HOSTS.has(url.hostname) && !isLoopback(url.hostname)) {
    throw new Error(
      'AWS_CONTAINER_CREDENTIALS_FULL_URI: plain http is allowed only to loopback, 169.254.170.2, 169.254.170.23 or [fd00:ec2::23] (use https for any other host)',
    );
  }
  return url;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '[::1]') return true;
  const parts = host.split('.');
  return parts.length === 4 && parts[0] === '127' && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** The Authorization header's value, if any: the token file wins over the token, as in the SDKs. */
export function containerAuthorization(env: NodeJS.ProcessEnv): string | undefined {
  const file = env['AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE'] || undefined;
  let token: string | undefined;
  let from = 'AWS_CONTAINER_AUTHORIZATION_TOKEN';
  if (file !== undefined) {
    from = 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE';
    // As for web identity token files: nothing under .git (the checkout's credentials), named or through a link.
    const git = gitPathProblem(file) ?? gitPathProblem(realPathOr(file));
    if (git) throw new Error(`the file named by AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE ${git}`);
    const read = readBoundedFile(file, TOKEN_FILE_CAP);
    if (!read.ok) throw new Error(`the file named by AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE ${read.detail}`);
    // A trailing newline is how files end, not part of the token.
    token = read.data.toString('utf8').replace(/\r?\n$/, '');
  } else {
    token = env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] || undefined;
  }
  if (token === undefined) return undefined;
  core.setSecret(token);
  // A header value with a line break or a control character could add headers: refused, never quoted.
  if (token === '' || !/^[\x20-\x7e]+$/.test(token)) throw new Error(`the token from ${from} is empty or has characters a header cannot carry`);
  return token;
}

export async function containerCredentials(env: NodeJS.ProcessEnv): Promise<AwsCredentials> {
  const url = containerUrl(env);
  let lastProblem = '';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    // Re-read each attempt: EKS Pod Identity rotates the token file.
    const authorization = containerAuthorization(env);
    const headers: Record<string, string> = { Accept: 'application/json', ...(authorization ? { Authorization: authorization } : {}) };
    let reply: Awaited<ReturnType<typeof metadataRequest>>;
    try {
      reply = await metadataRequest(url, { method: 'GET', headers });
    } catch (err) {
      if (!(err instanceof MetadataUnreachable)) throw err;
      lastProblem = err.message;
      continue;
    }
    if (reply.status >= 500) {
      lastProblem = `the endpoint answered HTTP ${reply.status}`;
      continue;
    }
    if (reply.status !== 200)
      throw new Error(`the endpoint answered HTTP ${reply.status}${reply.status === 401 || reply.status === 403 ? ' (authorization refused)' : ''}`);
    const creds = parseCredentialsDocument(reply.body);
    if (!creds) throw new Error('the endpoint answered without a credentials document (AccessKeyId, SecretAccessKey, Token, Expiration)');
    for (const value of [creds.accessKeyId, creds.secretAccessKey, creds.sessionToken]) if (value) core.setSecret(value);
    const problem = keyShapeProblem(creds, false) ?? expiredProblem(creds.expiration);
    if (problem) throw new Error(`the answer was refused: ${problem}`);
    return creds;
  }
  throw new Error(`${lastProblem} (${ATTEMPTS} attempts)`);
}

function realPathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path; // a missing file is reported by the read
  }
}
