/** AssumeRoleWithWebIdentity: JWT verification against the issuer's JWKS, OIDC trust, the session. */
import { createPublicKey, verify as cryptoVerify, type JsonWebKey } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parseArn } from '../world.js';
import { globMatch } from './codes.js';
import { MSG_NO_VERIFICATION_KEY, MSG_WEB_IDENTITY_DENIED, StsError } from './errors.js';
import { normIssuer, oidcTrusts } from './identity.js';
import type { EmulatorState } from './state.js';
import type { CallLogEntry, Params } from './types.js';
import { checkDuration, P_SESSION_NAME, packPolicies, Validator, validatePolicies } from './validate.js';
import { assumedRoleUserXml, credentialsXml, el, isoSeconds, responseXml } from './xml.js';

type Jwk = Record<string, unknown>;

export function decodeJwtPart(part: string | undefined): Record<string, unknown> | undefined {
  if (!part) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function getJson(url: string, timeoutMs = 3000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method: 'GET', timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 300) {
          reject(new Error(`GET ${url}: HTTP ${res.statusCode}`));
          return;
        }
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (e) {
          reject(e as Error);
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

/** The issuer's signing keys via OpenID discovery, cached per issuer unless `refresh`. */
async function jwksFor(state: EmulatorState, iss: string, refresh: boolean): Promise<Jwk[]> {
  const key = normIssuer(iss);
  const cached = state.jwksCache.get(key);
  if (cached && !refresh) return cached;
  const base = /^https?:\/\//i.test(iss) ? iss.replace(/\/+$/, '') : `https://${key}`;
  let keys: Jwk[];
  try {
    const conf = (await getJson(`${base}/.well-known/openid-configuration`)) as { jwks_uri?: unknown };
    if (typeof conf.jwks_uri !== 'string') throw new Error('no jwks_uri');
    const jwks = (await getJson(conf.jwks_uri)) as { keys?: unknown };
    if (!Array.isArray(jwks.keys)) throw new Error('no keys');
    keys = jwks.keys as Jwk[];
  } catch {
    throw new StsError('InvalidIdentityToken', MSG_NO_VERIFICATION_KEY);
  }
  state.jwksCache.set(key, keys);
  return keys;
}

/** exp, nbf and iat against the emulated clock (nbf/iat with five minutes' leeway). */
function checkTimes(state: EmulatorState, claims: Record<string, unknown>): void {
  const nowSec = Math.floor(state.now() / 1000);
  const leeway = 300;
  if (typeof claims.exp !== 'number' || nowSec >= claims.exp) {
    throw new StsError('ExpiredTokenException', `Token expired: current date/time ${nowSec} must be before the expiration date/time ${String(claims.exp)}`);
  }
  if (typeof claims.nbf === 'number' && claims.nbf > nowSec + leeway) {
    throw new StsError('InvalidIdentityToken', `Token is not yet valid: current date/time ${nowSec} is before nbf ${claims.nbf}`);
  }
  if (typeof claims.iat === 'number' && claims.iat > nowSec + leeway) {
    throw new StsError('InvalidIdentityToken', `Token is issued in the future: iat ${claims.iat}, current date/time ${nowSec}`);
  }
}

/** The token's claims once its issuer is known, its RS* signature verifies against the issuer's JWKS and its times pass. */
async function verifyJwt(state: EmulatorState, token: string): Promise<Record<string, unknown>> {
  const parts = token.split('.');
  const header = decodeJwtPart(parts[0]);
  const claims = decodeJwtPart(parts[1]);
  if (parts.length !== 3 || !header || !claims) {
    throw new StsError('InvalidIdentityToken', "Couldn't parse the web identity token: not a JWT.");
  }
  const iss = claims.iss;
  if (typeof iss !== 'string' || !state.knownIssuers().has(normIssuer(iss))) {
    throw new StsError('InvalidIdentityToken', `No OpenIDConnect provider found in your account for ${String(iss)}`);
  }
  const hashes: Record<string, string> = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512' };
  const hash = typeof header.alg === 'string' ? hashes[header.alg] : undefined;
  if (!hash) throw new StsError('InvalidIdentityToken', `Unsupported token signing algorithm: ${String(header.alg)}`);
  const pick = (keys: Jwk[]): Jwk | undefined => (header.kid !== undefined ? keys.find((k) => k.kid === header.kid) : keys.length === 1 ? keys[0] : undefined);
  let jwk = pick(await jwksFor(state, iss, false));
  jwk ??= pick(await jwksFor(state, iss, true)); // key rotation: refetch once
  if (!jwk) throw new StsError('InvalidIdentityToken', MSG_NO_VERIFICATION_KEY);
  let ok = false;
  try {
    const key = createPublicKey({ key: jwk as unknown as JsonWebKey, format: 'jwk' });
    ok = cryptoVerify(hash, Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2]!, 'base64url'));
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new StsError(
      'InvalidIdentityToken',
      'The web identity token that was passed could not be validated by AWS. ' +
        'Get a new identity token from the identity provider and then retry the request.',
    );
  }
  checkTimes(state, claims);
  return claims;
}

function validateRequest(params: Params): {
  roleArn: string;
  sessionName: string;
  token: string;
  duration: number | undefined;
  policy?: string;
  policyArns: string[];
} {
  const v = new Validator();
  const roleArn = params.get('RoleArn');
  const sessionName = params.get('RoleSessionName');
  const token = params.get('WebIdentityToken');
  if (v.required('roleArn', roleArn)) v.string('roleArn', roleArn, 20, 2048);
  if (v.required('roleSessionName', sessionName)) v.string('roleSessionName', sessionName, 2, 64, P_SESSION_NAME);
  if (v.required('webIdentityToken', token)) v.string('webIdentityToken', token, 4, 20000, undefined, '***');
  v.string('providerId', params.get('ProviderId'), 4, 2048);
  const duration = v.integer('durationSeconds', params.get('DurationSeconds'), 900, 43200);
  const policies = validatePolicies(v, params);
  v.check();
  return { roleArn: roleArn!, sessionName: sessionName!, token: token!, duration, ...policies };
}

export async function assumeRoleWithWebIdentity(state: EmulatorState, params: Params, entry: CallLogEntry, requestId: string): Promise<string> {
  const req = validateRequest(params);
  const claims = await verifyJwt(state, req.token);
  const iss = claims.iss as string;
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  const auds = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).filter((a): a is string => typeof a === 'string');
  const role = state.rolesByArn.get(req.roleArn);
  const trust = role
    ? oidcTrusts(role).find((o) => normIssuer(o.issuer) === normIssuer(iss) && auds.includes(o.audience) && globMatch(o.subject, sub))
    : undefined;
  if (!role || !trust) throw new StsError('AccessDenied', MSG_WEB_IDENTITY_DENIED);
  const durationSeconds = checkDuration(req.duration, role, false);
  const packed = packPolicies(req.policy, req.policyArns, []);
  const siClaim = claims['https://aws.amazon.com/source_identity'];
  const sourceIdentity = typeof siClaim === 'string' ? siClaim : undefined;
  const s = state.newRoleSession(role, req.sessionName, durationSeconds, {
    chained: false,
    viaWebIdentity: true,
    tags: [],
    transitiveTagKeys: [],
    ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
  });
  const ra = parseArn(role.arn)!;
  const provider = `arn:${ra.partition}:iam::${ra.account}:oidc-provider/${normIssuer(iss)}`;
  entry.result = { assumedRoleArn: s.principalArn, accessKeyId: s.accessKeyId, expiration: isoSeconds(s.expiresAt) };
  const lines = [
    el('Audience', trust.audience),
    ...(sourceIdentity !== undefined ? [el('SourceIdentity', sourceIdentity)] : []),
    assumedRoleUserXml(s),
    credentialsXml(s),
    el('Provider', provider),
    el('SubjectFromWebIdentityToken', sub),
    ...(packed !== undefined ? [el('PackedPolicySize', String(packed))] : []),
  ];
  return responseXml('AssumeRoleWithWebIdentity', lines, requestId);
}
