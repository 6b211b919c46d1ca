/**
 * The credential endpoints credential_source tests use: `GET /container-credentials/<worldUserAccessKeyId>`
 * (ECS-style) and IMDSv2 (`PUT /latest/api/token`, `GET /latest/meta-data/iam/security-credentials/[NAME]`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseArn } from '../world.js';
import { describeArn } from './identity.js';
import type { EmulatorState } from './state.js';
import type { CallLogEntry } from './types.js';
import { isoSeconds } from './xml.js';

interface ServedCredentials {
  accessKeyId: string;
  secret: string;
  token: string;
  expiresAt: number;
  arn: string;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The world user's own keys if they are session keys; else fresh session keys for that user. */
function credentialsForUser(state: EmulatorState, accessKeyId: string): ServedCredentials | undefined {
  const u = state.usersByKey.get(accessKeyId);
  if (!u) return undefined;
  if (u.sessionToken !== undefined) {
    return {
      accessKeyId: u.accessKeyId,
      secret: u.secretAccessKey,
      token: u.sessionToken,
      expiresAt: u.expiration !== undefined ? Date.parse(u.expiration) : state.now() + 6 * 3600 * 1000,
      arn: u.arn,
    };
  }
  const p = parseArn(u.arn)!;
  const s = state.issue({
    expiresAt: state.now() + 6 * 3600 * 1000,
    principalArn: u.arn,
    userId: describeArn(u.arn).userId,
    account: p.account,
    partition: p.partition,
    chained: false,
    viaWebIdentity: false,
    tags: [],
    transitiveTagKeys: [],
  });
  return { accessKeyId: s.accessKeyId, secret: s.secretAccessKey, token: s.sessionToken, expiresAt: s.expiresAt, arn: u.arn };
}

const logBase = (state: EmulatorState): Pick<CallLogEntry, 'time' | 'requestId' | 'signer'> => ({
  time: new Date(state.now()).toISOString(),
  requestId: randomUUID(),
  signer: null,
});

function containerCredentials(state: EmulatorState, req: IncomingMessage, res: ServerResponse, akid: string): void {
  const entry: CallLogEntry = { ...logBase(state), action: 'ContainerCredentials', params: { accessKeyId: akid }, status: 0, result: {} };
  const expected = state.world.containerAuthorizationToken;
  const c = credentialsForUser(state, akid);
  if (req.method !== 'GET') entry.status = 405;
  else if (expected !== undefined && req.headers.authorization !== expected) entry.status = 401;
  else if (!c) entry.status = 404;
  if (entry.status !== 0 || !c) {
    entry.result = { errorCode: String(entry.status), message: 'refused' };
    state.log(entry);
    sendJson(res, entry.status, { code: 'Refused', message: `container credentials: HTTP ${entry.status}` });
    return;
  }
  entry.status = 200;
  entry.result = { accessKeyId: c.accessKeyId, arn: c.arn, expiration: isoSeconds(c.expiresAt) };
  state.log(entry);
  sendJson(res, 200, {
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secret,
    Token: c.token,
    Expiration: isoSeconds(c.expiresAt),
    ...(c.arn.includes(':assumed-role/') ? { RoleArn: describeArn(c.arn).roleArn } : {}),
  });
}

/** An IMDS answer: plain text (the token, the profile name, or nothing) or the credentials document. */
interface ImdsAnswer {
  status: number;
  body: string | Record<string, unknown>;
}

function imdsToken(state: EmulatorState, req: IncomingMessage, res: ServerResponse): ImdsAnswer {
  const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
  if (req.method !== 'PUT') return { status: 405, body: '' };
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return { status: 400, body: '' };
  const token = randomBytes(32).toString('base64');
  state.imdsTokens.set(token, Date.now() + ttl * 1000);
  res.setHeader('x-aws-ec2-metadata-token-ttl-seconds', String(ttl));
  return { status: 200, body: token };
}

function imdsCredentials(state: EmulatorState, req: IncomingMessage, path: string): ImdsAnswer {
  const im = state.world.instanceMetadata;
  const prefix = '/latest/meta-data/iam/security-credentials/';
  if (!path.startsWith(prefix) || !im) return { status: 404, body: '' };
  const token = req.headers['x-aws-ec2-metadata-token'];
  const exp = typeof token === 'string' ? state.imdsTokens.get(token) : undefined;
  if (exp === undefined || Date.now() > exp) return { status: 401, body: '' };
  const profile = im.profileName ?? 'emulator-instance-profile';
  const name = decodeURIComponent(path.slice(prefix.length));
  if (name === '') return { status: 200, body: profile };
  if (name !== profile) return { status: 404, body: '' };
  const c = credentialsForUser(state, im.accessKeyId)!;
  state.log({
    ...logBase(state),
    action: 'InstanceMetadata',
    params: { profile },
    status: 200,
    result: { accessKeyId: c.accessKeyId, arn: c.arn, expiration: isoSeconds(c.expiresAt) },
  });
  const body = {
    Code: 'Success',
    LastUpdated: isoSeconds(state.now()),
    Type: 'AWS-HMAC',
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secret,
    Token: c.token,
    Expiration: isoSeconds(c.expiresAt),
  };
  return { status: 200, body };
}

export function handleCredentialEndpoint(state: EmulatorState, req: IncomingMessage, res: ServerResponse, path: string): void {
  const container = /^\/container-credentials\/([^/]+)$/.exec(path);
  if (container) containerCredentials(state, req, res, decodeURIComponent(container[1]!));
  else {
    // IMDS answers in text/plain, even its JSON credentials document.
    const a = path === '/latest/api/token' ? imdsToken(state, req, res) : imdsCredentials(state, req, path);
    sendJson(res, a.status, a.body, 'text/plain');
  }
}
