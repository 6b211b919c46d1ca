/**
 * EC2 instance-profile credentials through IMDSv2, as the AWS SDKs read them: PUT /latest/api/token
 * (with a TTL header), GET the role name under /latest/meta-data/iam/security-credentials/, GET its
 * credentials document, each with the token header. Honours AWS_EC2_METADATA_DISABLED,
 * AWS_EC2_METADATA_SERVICE_ENDPOINT and AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE.
 *
 * IMDSv2 only: no fallback to IMDSv1. A GitHub-hosted runner is an Azure VM where 169.254.169.254
 * answers too (Azure's own metadata service): any answer that is not IMDSv2's ends the attempt at
 * once, and an address that does not answer costs two 1 s attempts.
 */
import * as core from '../base/runner.js';
import type { AwsCredentials } from '../base/types.js';
import { keyShapeProblem } from './keyShapes.js';
import { MetadataUnreachable, type MetadataReply, expiredProblem, metadataRequest, parseCredentialsDocument } from './metadataHttp.js';
import { metadataDisabled } from './runnerIdentity.js';

const TOKEN_TTL_SECONDS = '21600';
const ATTEMPTS = 2;
const CREDENTIALS_PATH = '/latest/meta-data/iam/security-credentials/';
/** IAM role names: what the role listing may name (anything else is not AWS's answer); all safe in a URL path. */
const ROLE_NAME = /^[\w+=,.@-]{1,128}$/;
/** IMDSv2 tokens are base64 text; a printable, bounded value is all that is sent back. */
const IMDS_TOKEN = /^[\x21-\x7e]{1,1024}$/;

/** The service's base URL (no trailing slash), or why the environment's settings are refused. */
export function metadataEndpoint(env: NodeJS.ProcessEnv): string {
  const endpoint = env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] || undefined;
  if (endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new Error('AWS_EC2_METADATA_SERVICE_ENDPOINT is not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('AWS_EC2_METADATA_SERVICE_ENDPOINT must be an http(s) URL');
    return endpoint.replace(/\/+$/, '');
  }
  const mode = (env['AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE'] || 'IPv4').toLowerCase();
  if (mode === 'ipv4') return 'http://169.254.169.254';
  if (mode === 'ipv6') return 'http://[fd00:ec2::254]';
  throw new Error('AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE must be IPv4 or IPv6');
}

/** A request with one retry when nothing (or a 5xx) came back; any other answer is final. */
async function ask(url: URL, method: 'GET' | 'PUT', headers: Record<string, string>, what: string): Promise<MetadataReply> {
  let problem = '';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const reply = await metadataRequest(url, { method, headers });
      if (reply.status < 500) return reply;
      problem = `HTTP ${reply.status}`;
    } catch (err) {
      if (!(err instanceof MetadataUnreachable)) throw err;
      problem = err.message;
    }
  }
  throw new Error(`${what}: ${problem} (${ATTEMPTS} attempts)`);
}

export async function instanceCredentials(env: NodeJS.ProcessEnv): Promise<AwsCredentials> {
  if (metadataDisabled(env)) throw new Error('AWS_EC2_METADATA_DISABLED is true');
  const base = metadataEndpoint(env);
  const notImds = (step: string, reply: MetadataReply) =>
    new Error(`${step} was answered with HTTP ${reply.status}: not AWS's IMDSv2 (another cloud's metadata service, or IMDSv2 not enabled)`);

  const tokenReply = await ask(
    new URL(`${base}/latest/api/token`),
    'PUT',
    { 'x-aws-ec2-metadata-token-ttl-seconds': TOKEN_TTL_SECONDS },
    'the IMDSv2 token request',
  );
  const token = tokenReply.body.trim();
  if (tokenReply.status !== 200) throw notImds('the IMDSv2 token request', tokenReply);
  if (!IMDS_TOKEN.test(token)) throw new Error("the IMDSv2 token request was answered with something that is not a token: not AWS's IMDSv2");
  core.setSecret(token);
  const headers = { 'x-aws-ec2-metadata-token': token };

  const listing = await ask(new URL(`${base}${CREDENTIALS_PATH}`), 'GET', headers, 'the instance profile listing');
  if (listing.status === 404) throw new Error('no instance profile is attached to this instance (the role listing is empty)');
  if (listing.status !== 200) throw notImds('the instance profile listing', listing);
  const role = listing.body.split('\n')[0]!.trim();
  if (!ROLE_NAME.test(role)) throw new Error("the instance profile listing does not name a role: not AWS's IMDSv2");

  const reply = await ask(new URL(`${base}${CREDENTIALS_PATH}${role}`), 'GET', headers, 'the instance profile credentials');
  if (reply.status !== 200) throw notImds(`the credentials of role ${role}`, reply);
  const creds = parseCredentialsDocument(reply.body);
  const code = /"Code"\s*:\s*"([\w-]{1,64})"/.exec(reply.body)?.[1];
  if (!creds) throw new Error(`the credentials of role ${role} are not a credentials document${code && code !== 'Success' ? ` (Code ${code})` : ''}`);
  for (const value of [creds.accessKeyId, creds.secretAccessKey, creds.sessionToken]) if (value) core.setSecret(value);
  if (code !== undefined && code !== 'Success') throw new Error(`the credentials of role ${role} came with Code ${code}`);
  const problem = keyShapeProblem(creds, false) ?? expiredProblem(creds.expiration);
  if (problem) throw new Error(`the answer was refused: ${problem}`);
  return creds;
}
