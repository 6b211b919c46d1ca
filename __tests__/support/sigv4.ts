/**
 * Server-side AWS Signature Version 4 verification, as the STS emulator needs it.
 * Written from the SigV4 specification (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html):
 * canonical request → string to sign → HMAC chain. Supports the `Authorization` header and presigned query strings.
 * Development/test only.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** What the server received, unparsed. */
export interface ReceivedRequest {
  method: string;
  /** Request target as received: raw (percent-encoded) path plus optional `?query`. */
  url: string;
  /** Node's `IncomingMessage.rawHeaders`: alternating names and values, duplicates kept. */
  rawHeaders: readonly string[];
  body: Buffer;
}

export interface SigV4Auth {
  accessKeyId: string;
  /** `YYYYMMDD` from the credential scope. */
  scopeDate: string;
  region: string;
  service: string;
  terminator: string;
  /** Lower-case, in the order the client listed them. */
  signedHeaders: string[];
  /** Lower-case hex. */
  signature: string;
  /** `YYYYMMDDTHHMMSSZ` the client signed with. */
  amzDate: string;
  /** `amzDate` as epoch milliseconds. */
  time: number;
  sessionToken?: string;
  /** Auth came from the query string (`X-Amz-Signature`), not the Authorization header. */
  presigned: boolean;
  /** Presigned `X-Amz-Expires`, seconds. */
  expiresSeconds?: number;
}

export type AuthParse =
  | { kind: 'none' }
  /** Malformed auth: `code` is the AWS error code to answer with (status 400 for IncompleteSignature, else 403). */
  | { kind: 'invalid'; code: 'IncompleteSignature' | 'SignatureDoesNotMatch'; message: string; accessKeyId?: string }
  | { kind: 'sigv4'; auth: SigV4Auth };

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

/** RFC 3986 encoding: everything but `A-Za-z0-9-_.~` is percent-encoded (upper-case hex). */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url || '/', query: '' } : { path: url.slice(0, q) || '/', query: url.slice(q + 1) };
}

/** Query string as [decodedKey, decodedValue] pairs, in order. */
export function queryPairs(query: string): [string, string][] {
  if (!query) return [];
  return query
    .split('&')
    .filter((p) => p.length > 0)
    .map((p) => {
      const eq = p.indexOf('=');
      return eq < 0 ? [safeDecode(p), ''] : [safeDecode(p.slice(0, eq)), safeDecode(p.slice(eq + 1))];
    });
}

/**
 * Canonical URI for every service except S3: dot segments and empty segments removed, then each segment
 * URI-encoded once more (the raw path is already encoded once, so this is AWS's "double encoding").
 */
export function canonicalUri(rawPath: string): string {
  const segments: string[] = [];
  for (const seg of rawPath.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  return `/${segments.map(uriEncode).join('/')}${trailing}`;
}

/** Sorted by encoded key, then encoded value; `X-Amz-Signature` left out for presigned requests. */
export function canonicalQuery(query: string, presigned: boolean): string {
  return queryPairs(query)
    .filter(([k]) => !(presigned && k === 'X-Amz-Signature'))
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** Header values by lower-case name: each value trimmed, inner whitespace runs collapsed, duplicates joined by `,`. */
export function headerMap(rawHeaders: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!.trim().replace(/\s+/g, ' ');
    const prev = m.get(name);
    m.set(name, prev === undefined ? value : `${prev},${value}`);
  }
  return m;
}

export function canonicalRequest(req: ReceivedRequest, signedHeaders: readonly string[], presigned: boolean, payloadHash: string): string {
  const { path, query } = splitUrl(req.url);
  const headers = headerMap(req.rawHeaders);
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${headers.get(h) ?? ''}\n`).join('');
  return [req.method.toUpperCase(), canonicalUri(path), canonicalQuery(query, presigned), canonicalHeaders, signedHeaders.join(';'), payloadHash].join('\n');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
}

const AMZ_DATE_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export function parseAmzDate(s: string): number | undefined {
  const m = AMZ_DATE_RE.exec(s);
  if (!m) return undefined;
  const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Number.isNaN(t) ? undefined : t;
}

export function formatAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Find SigV4 auth in the Authorization header or the query string, and check its form (not the signature). */
export function parseSigV4(req: ReceivedRequest): AuthParse {
  const headers = headerMap(req.rawHeaders);
  const authz = headers.get('authorization');
  const params = new Map(queryPairs(splitUrl(req.url).query));
  let credential: string | undefined;
  let signedHeaders: string | undefined;
  let signature: string | undefined;
  let amzDate: string | undefined;
  let sessionToken: string | undefined;
  let presigned = false;
  let expiresSeconds: number | undefined;
  if (authz !== undefined) {
    const sp = authz.indexOf(' ');
    const algorithm = sp < 0 ? authz : authz.slice(0, sp);
    if (algorithm !== ALGORITHM) {
      return {
        kind: 'invalid',
        code: 'IncompleteSignature',
        message: `Unsupported AWS 'algorithm': '${algorithm}'. Authorization=${algorithm}`,
      };
    }
    for (const part of authz.slice(sp + 1).split(',')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      const k = part.slice(0, eq).trim();
      const v = part.slice(eq + 1).trim();
      if (k === 'Credential') credential = v;
      else if (k === 'SignedHeaders') signedHeaders = v;
      else if (k === 'Signature') signature = v;
    }
    amzDate = headers.get('x-amz-date');
    if (amzDate === undefined && headers.get('date') !== undefined) {
      const d = Date.parse(headers.get('date')!);
      if (!Number.isNaN(d)) amzDate = formatAmzDate(d);
    }
    sessionToken = headers.get('x-amz-security-token');
  } else if (params.has('X-Amz-Signature') || params.has('X-Amz-Credential')) {
    presigned = true;
    const algorithm = params.get('X-Amz-Algorithm');
    if (algorithm !== ALGORITHM) {
      return {
        kind: 'invalid',
        code: 'IncompleteSignature',
        message: `Unsupported AWS 'algorithm': '${algorithm ?? ''}'.`,
      };
    }
    credential = params.get('X-Amz-Credential');
    signedHeaders = params.get('X-Amz-SignedHeaders');
    signature = params.get('X-Amz-Signature');
    amzDate = params.get('X-Amz-Date');
    sessionToken = params.get('X-Amz-Security-Token');
    const exp = params.get('X-Amz-Expires');
    if (exp !== undefined) expiresSeconds = Number(exp);
  } else {
    return { kind: 'none' };
  }
  const missing: string[] = [];
  if (!credential) missing.push("requires 'Credential' parameter");
  if (!signedHeaders) missing.push("requires 'SignedHeaders' parameter");
  if (!signature) missing.push("requires 'Signature' parameter");
  if (!amzDate) missing.push("requires existence of either a 'X-Amz-Date' or a 'Date' header");
  if (missing.length > 0) {
    const where = presigned ? 'AWS query-string parameters' : 'Authorization header';
    return {
      kind: 'invalid',
      code: 'IncompleteSignature',
      message: missing.map((m) => `${where} ${m}.`).join(' ') + (presigned ? '' : ` Authorization=${authz ?? ''}`),
    };
  }
  const parts = credential!.split('/');
  const accessKeyId = parts[0] ?? '';
  if (parts.length !== 5) {
    return {
      kind: 'invalid',
      code: 'IncompleteSignature',
      message: `Credential should have 5 parts separated by '/', got ${parts.length}: '${credential}'.`,
      accessKeyId,
    };
  }
  const [, scopeDate, region, service, terminator] = parts as [string, string, string, string, string];
  const time = parseAmzDate(amzDate!);
  if (time === undefined) {
    return {
      kind: 'invalid',
      code: 'IncompleteSignature',
      message: `Date must be in ISO-8601 'basic format'. Got '${amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`,
      accessKeyId,
    };
  }
  return {
    kind: 'sigv4',
    auth: {
      accessKeyId,
      scopeDate,
      region,
      service,
      terminator,
      signedHeaders: signedHeaders!
        .split(';')
        .map((h) => h.trim().toLowerCase())
        .filter((h) => h.length > 0),
      signature: signature!.toLowerCase(),
      amzDate: amzDate!,
      time,
      ...(sessionToken !== undefined ? { sessionToken } : {}),
      presigned,
      ...(expiresSeconds !== undefined ? { expiresSeconds } : {}),
    },
  };
}

/**
 * Scope problems AWS reports before comparing signatures (as SignatureDoesNotMatch), or undefined if the scope is fine.
 */
export function scopeProblem(auth: SigV4Auth, expectedService: string): string | undefined {
  if (auth.service !== expectedService) return `Credential should be scoped to correct service: '${expectedService}'. `;
  if (auth.terminator !== 'aws4_request') return "Credential should be scoped with a valid terminator: 'aws4_request'. ";
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(auth.region)) return 'Credential should be scoped to a valid region. ';
  if (auth.scopeDate !== auth.amzDate.slice(0, 8)) {
    return (
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ` +
      `'${auth.scopeDate}' != '${auth.amzDate.slice(0, 8)}', from '${auth.amzDate}'.`
    );
  }
  if (!auth.signedHeaders.includes('host') && !auth.presigned) {
    return "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.";
  }
  return undefined;
}

export interface Verification {
  ok: boolean;
  /** The canonical request and string to sign the server computed (for the first payload-hash candidate). */
  canonicalRequest: string;
  stringToSign: string;
}

function equalHex(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** Recompute the signature over what was received and compare it in constant time. */
export function verifySigV4(req: ReceivedRequest, auth: SigV4Auth, secret: string): Verification {
  const headers = headerMap(req.rawHeaders);
  const bodyHash = sha256Hex(req.body);
  const declared = headers.get('x-amz-content-sha256');
  // The payload hash is always recomputed from the body (a tampered body must fail); UNSIGNED-PAYLOAD only when declared,
  // or, for presigned URLs, as the SDKs' default.
  const candidates = declared === UNSIGNED_PAYLOAD ? [UNSIGNED_PAYLOAD] : auth.presigned ? [bodyHash, UNSIGNED_PAYLOAD] : [bodyHash];
  const key = signingKey(secret, auth.scopeDate, auth.region, auth.service);
  const scope = `${auth.scopeDate}/${auth.region}/${auth.service}/${auth.terminator}`;
  let first: { canonicalRequest: string; stringToSign: string } | undefined;
  let ok = false;
  for (const payloadHash of candidates) {
    const cr = canonicalRequest(req, auth.signedHeaders, auth.presigned, payloadHash);
    const sts = stringToSign(auth.amzDate, scope, cr);
    first ??= { canonicalRequest: cr, stringToSign: sts };
    const expected = createHmac('sha256', key).update(sts, 'utf8').digest('hex');
    if (equalHex(expected, auth.signature)) ok = true;
  }
  return { ok, ...first! };
}
