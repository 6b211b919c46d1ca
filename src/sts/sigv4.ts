/**
 * AWS Signature Version 4 for the one request shape the STS client sends: a POST of a form body to
 * the endpoint's path, no query string. AWS's documented algorithm on node:crypto: canonical request,
 * credential scope, string to sign, the HMAC key chain. Pure apart from the hashing; the clock is an
 * argument, so a test can compare it with @smithy/signature-v4 at any instant.
 */
import { createHash, createHmac } from 'node:crypto';

export interface SigningKeys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SignInput {
  /** The URL path (already in its sent form: `/` or the endpoint's own path). */
  readonly path: string;
  /** Headers to sign and send, lower-case names; `host` must be among them. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly region: string;
  readonly service: string;
  readonly now: Date;
}

const sha256hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** `20260101T000000Z` */
export function amzDate(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * The canonical path as SigV4 wants it for every service but S3: each segment URI-encoded again
 * (RFC 3986 unreserved characters kept), after removing `.` and `..` segments.
 */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const joined = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return encodeRfc3986(joined).replace(/%2F/g, '/') || '/';
}

/** RFC 3986 percent-encoding: only A–Z a–z 0–9 - . _ ~ stay as they are. */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The headers to send: `headers` plus x-amz-date, x-amz-security-token (with a session token),
 * x-amz-content-sha256 and the Authorization header, in that order (the token before the signature).
 */
export function signRequest(input: SignInput, keys: SigningKeys): Record<string, string> {
  const date = amzDate(input.now);
  const day = date.slice(0, 8);
  const payloadHash = sha256hex(input.body);
  const headers: Record<string, string> = {
    ...input.headers,
    'x-amz-date': date,
    ...(keys.sessionToken ? { 'x-amz-security-token': keys.sessionToken } : {}),
    'x-amz-content-sha256': payloadHash,
  };
  const names = Object.keys(headers)
    .map((n) => n.toLowerCase())
    .sort();
  const value = (n: string) => String(headers[n]).trim().replace(/\s+/g, ' ');
  const signedHeaders = names.join(';');
  const canonical = ['POST', canonicalPath(input.path), '', ...names.map((n) => `${n}:${value(n)}`), '', signedHeaders, payloadHash].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, sha256hex(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${keys.secretAccessKey}`, day), input.region), input.service), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
  headers['authorization'] = `AWS4-HMAC-SHA256 Credential=${keys.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
