/**
 * Reading STS Query replies (xml.ts) into the fields client.ts checks, and error replies into an
 * error object shaped like the SDK's (name, Code, message, $metadata.httpStatusCode) so that
 * errors.ts's toStsError maps both clients' failures alike. Pure.
 */
import { child, childText, parseXml, type XmlElement } from './xml.js';
import type { StsAction } from './query.js';

/** What the SDK's error objects carry and toStsError reads. */
export interface ReplyError extends Error {
  readonly Code?: string;
  readonly $metadata: { readonly httpStatusCode: number };
}

function replyError(status: number, name: string, message: string, code?: string): ReplyError {
  const e = new Error(message) as Error & { Code?: string; $metadata: { httpStatusCode: number } };
  e.name = name;
  if (code !== undefined) e.Code = code;
  e.$metadata = { httpStatusCode: status };
  return e;
}

/**
 * An error reply (status ≥ 300). `<ErrorResponse><Error><Code/><Message/>` (or `<Errors><Error>`),
 * read as the SDK reads it: no code ⇒ "Unknown" ("NotFound" for a 404), no message ⇒ "Unknown". A body
 * that is not XML, or an Error whose fields are repeated or hold elements, reads as no error at all
 * (the SDK would report its own parser's words, which name nothing about STS).
 */
export function readErrorReply(status: number, body: string): ReplyError {
  let root: XmlElement | undefined;
  let error: XmlElement | undefined;
  try {
    root = body.length > 0 ? parseXml(body) : undefined;
    error = child(root, 'Error') ?? child(child(root, 'Errors'), 'Error');
  } catch {
    root = undefined;
  }
  // Code and message are read apart: markup in a message must not cost the error its code (the retry
  // class). An unreadable code makes the whole error unreadable, as before.
  let codeRead = true;
  const code = attempt(
    () => childText(error, 'Code'),
    () => (codeRead = false),
  );
  const message = codeRead
    ? attempt(() => childText(error, 'message') ?? childText(error, 'Message') ?? childText(root, 'message') ?? childText(root, 'Message'))
    : undefined;
  const name = code ?? (status === 404 ? 'NotFound' : 'Unknown');
  return replyError(status, name, message ?? 'Unknown', code);
}

function attempt(read: () => string | undefined, failed?: () => void): string | undefined {
  try {
    return read();
  } catch {
    failed?.();
    return undefined;
  }
}

/** A 2xx body that cannot be read: toStsError names it UnreadableReply. */
const unreadable = (status: number) => replyError(status, 'Error', 'the reply is not a readable STS reply');

export interface AssumeRoleFields {
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
  readonly assumedRoleArn?: string;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** STS writes Expiration as an RFC 3339 date-time; anything else is an unreadable reply. */
function timestamp(text: string | undefined, status: number): Date | undefined {
  if (text === undefined || text === '') return undefined;
  const at = RFC3339.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) throw unreadable(status);
  return new Date(at);
}

/** The `<{Action}Result>` element of a 2xx body (absent ⇒ undefined); throws ReplyError if unreadable. */
function result(action: StsAction, status: number, body: string): XmlElement | undefined {
  if (body.length === 0) return undefined;
  try {
    return child(parseXml(body), `${action}Result`);
  } catch {
    throw unreadable(status);
  }
}

function texts<K extends string>(parent: XmlElement | undefined, names: readonly K[], status: number): Partial<Record<K, string>> {
  try {
    return Object.fromEntries(names.map((n) => [n, childText(parent, n)])) as Partial<Record<K, string>>;
  } catch {
    throw unreadable(status);
  }
}

export function readAssumeRoleReply(action: 'AssumeRole' | 'AssumeRoleWithWebIdentity', status: number, body: string): AssumeRoleFields {
  const res = result(action, status, body);
  let creds: XmlElement | undefined;
  let user: XmlElement | undefined;
  try {
    creds = child(res, 'Credentials');
    user = child(res, 'AssumedRoleUser');
  } catch {
    throw unreadable(status);
  }
  const c = texts(creds, ['AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration'] as const, status);
  const u = texts(user, ['Arn'] as const, status);
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: timestamp(c.Expiration, status),
    assumedRoleArn: u.Arn,
  };
}

export function readCallerIdentity(status: number, body: string): { arn?: string; account?: string } {
  const t = texts(result('GetCallerIdentity', status, body), ['Arn', 'Account'] as const, status);
  return { arn: t.Arn, account: t.Account };
}
