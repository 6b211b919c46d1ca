/** Writing STS's XML: escaping, the shared credential elements, the error document. */
import type { StsError } from './errors.js';
import type { IssuedSession } from './types.js';

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** Escape text content (`&`, `<`, `>`, `"`; apostrophes stay literal, as in STS messages). */
export function xmlEscape(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export const el = (name: string, text: string): string => `<${name}>${xmlEscape(text)}</${name}>`;

/** Every character outside printable ASCII as a character reference: CR, ESC, U+2028… arrive as sent. */
export function xmlVerbatim(s: string): string {
  const escaped = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return escaped.replace(/[^\x20-\x7e]/gu, (c) => `&#x${c.codePointAt(0)!.toString(16)};`);
}

/** `2026-01-01T00:00:00Z`, as STS writes Expiration. */
export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function credentialsXml(s: IssuedSession): string {
  return (
    `<Credentials>${el('AccessKeyId', s.accessKeyId)}${el('SecretAccessKey', s.secretAccessKey)}` +
    `${el('SessionToken', s.sessionToken)}${el('Expiration', isoSeconds(s.expiresAt))}</Credentials>`
  );
}

export function assumedRoleUserXml(s: IssuedSession): string {
  return `<AssumedRoleUser>${el('AssumedRoleId', s.userId)}${el('Arn', s.principalArn)}</AssumedRoleUser>`;
}

export function errorXml(e: StsError, requestId: string): string {
  const field = (name: string, text: string): string => (e.verbatim ? `<${name}>${xmlVerbatim(text)}</${name}>` : el(name, text));
  return (
    `<ErrorResponse xmlns="${STS_NAMESPACE}">\n  <Error>\n    ${el('Type', e.status >= 500 ? 'Receiver' : 'Sender')}\n` +
    `    ${field('Code', e.code)}\n    ${field('Message', e.message)}\n  </Error>\n  ${el('RequestId', requestId)}\n</ErrorResponse>\n`
  );
}

/** The `<XResponse><XResult>…</XResult><ResponseMetadata/></XResponse>` envelope around result lines. */
export function responseXml(action: string, lines: readonly string[], requestId: string): string {
  return (
    `<${action}Response xmlns="${STS_NAMESPACE}">\n  <${action}Result>\n` +
    lines.map((l) => `    ${l}\n`).join('') +
    `  </${action}Result>\n  <ResponseMetadata>${el('RequestId', requestId)}</ResponseMetadata>\n</${action}Response>\n`
  );
}
