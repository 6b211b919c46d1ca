/**
 * The lean client's reply reading (src/sts/xml.ts, replies.ts) against the SDK's: the same raw reply
 * (status and body) given to @aws-sdk/client-sts (through a stand-in handler) and to the lean
 * readers must end in the same StsError (errors.ts toStsError, then verifyReply.ts) or the same
 * fields. The few replies where the lean reader is deliberately plainer are listed, with its outcome.
 */
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Readable } from 'node:stream';
import { StsError, toStsError } from '../src/sts/errors.js';
import { readAssumeRoleReply, readCallerIdentity, readErrorReply } from '../src/sts/replies.js';
import { MAX_DEPTH, XmlError, decodeEntities, parseXml } from '../src/sts/xml.js';

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const EP = 'https://sts.us-east-1.amazonaws.com';
const CREDS =
  '<Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>s&amp;k</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2026-06-01T12:00:00Z</Expiration></Credentials>';
const USER = '<AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn></AssumedRoleUser>';
const ok = (inner: string, root = `AssumeRoleResponse xmlns="${NS}"`) =>
  `<${root}><AssumeRoleResult>${inner}</AssumeRoleResult><ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></${root.split(' ')[0]}>`;
const err = (inner: string) => `<ErrorResponse xmlns="${NS}"><Error>${inner}</Error><RequestId>id</RequestId></ErrorResponse>`;

type Outcome = { fields: Record<string, unknown> } | { error: { code: string; status?: number; retryable: boolean; message: string } };

const asOutcome = (e: unknown, action: string): Outcome => {
  const s = e instanceof StsError ? e : toStsError(e, action, EP);
  return { error: { code: s.code, status: s.status, retryable: s.retryable, message: s.message } };
};

async function viaSdk(status: number, body: string, action: 'AssumeRole' | 'GetCallerIdentity'): Promise<Outcome> {
  const handler = {
    metadata: { handlerProtocol: 'http/1.1' },
    handle: async () => ({ response: { statusCode: status, headers: { 'content-type': 'text/xml' }, body: Readable.from([Buffer.from(body)]) } }),
  };
  const sts = new STSClient({ region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, requestHandler: handler as never });
  try {
    if (action === 'GetCallerIdentity') {
      const out = await sts.send(new GetCallerIdentityCommand({}));
      return { fields: { arn: out.Arn, account: out.Account } };
    }
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: 'r', RoleSessionName: 's' }));
    const c = out.Credentials;
    return {
      fields: {
        accessKeyId: c?.AccessKeyId,
        secretAccessKey: c?.SecretAccessKey,
        sessionToken: c?.SessionToken,
        expiration: c?.Expiration,
        assumedRoleArn: out.AssumedRoleUser?.Arn,
      },
    };
  } catch (e) {
    return asOutcome(e, action);
  }
}

function viaLean(status: number, body: string, action: 'AssumeRole' | 'GetCallerIdentity'): Outcome {
  try {
    if (status >= 300) throw readErrorReply(status, body);
    return { fields: action === 'AssumeRole' ? { ...readAssumeRoleReply(action, status, body) } : { ...readCallerIdentity(status, body) } };
  } catch (e) {
    return asOutcome(e, action);
  }
}

const SAME: Array<[string, number, string, ('AssumeRole' | 'GetCallerIdentity')?]> = [
  ['an honest reply', 200, ok(CREDS + USER)],
  [
    'with an XML declaration, comments, CRLF and pretty-printing',
    200,
    `<?xml version="1.0"?>\r\n<!-- c -->\r\n${ok(`\r\n  ${CREDS}\r\n  <!-- x -->${USER}\r\n`)}`,
  ],
  ['entities and character references', 200, ok(CREDS.replace('t</SessionToken>', 'a&lt;&gt;&quot;&apos;&#65;&#x42;&bogus;z</SessionToken>') + USER)],
  ['CDATA', 200, ok(CREDS.replace('t</SessionToken>', '<![CDATA[<raw>&amp;]]></SessionToken>') + USER)],
  [
    'a DOCTYPE with an entity (never expanded)',
    200,
    `<!DOCTYPE r [<!ENTITY x "EXPANDED">]>${ok(CREDS.replace('t</SessionToken>', '&x;</SessionToken>') + USER)}`,
  ],
  ['any root name, namespace attributes', 200, ok(CREDS + USER, 'Whatever a="1" b=\'2\'')],
  [
    'unknown elements are ignored',
    200,
    ok(`<Extra><Deep>1</Deep></Extra>${CREDS}${USER}<PackedPolicySize>6</PackedPolicySize><SourceIdentity>x</SourceIdentity>`),
  ],
  ['no result element', 200, '<AssumeRoleResponse><Other/></AssumeRoleResponse>'],
  ['an empty body', 200, ''],
  ['an empty field', 200, ok(CREDS.replace('t</SessionToken>', '</SessionToken>') + USER)],
  ['a self-closed field', 200, ok(CREDS.replace('<SessionToken>t</SessionToken>', '<SessionToken/>') + USER)],
  ['not XML', 200, 'hello'],
  ['mismatched tags', 200, '<a><b></a>'],
  ['unclosed', 200, ok(CREDS + USER).slice(0, -5)],
  ['an expiration with an offset and fractions', 200, ok(CREDS.replace('2026-06-01T12:00:00Z', '2026-06-01T14:00:00.123+02:00') + USER)],
  [
    'GetCallerIdentity',
    200,
    `<GetCallerIdentityResponse xmlns="${NS}"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/u</Arn><UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`,
    'GetCallerIdentity',
  ],
  ['AccessDenied', 403, err('<Type>Sender</Type><Code>AccessDenied</Code><Message>not &amp; allowed</Message>')],
  ['Throttling (retried)', 400, err('<Code>Throttling</Code><Message>Rate exceeded</Message>')],
  ['modelled codes keep the wire code', 400, err('<Code>InvalidIdentityToken</Code><Message>m</Message>')],
  ['MalformedPolicyDocument', 400, err('<Code>MalformedPolicyDocument</Code><Message>m</Message>')],
  ['ExpiredTokenException', 400, err('<Code>ExpiredTokenException</Code><Message>m</Message>')],
  ['RegionDisabledException', 403, err('<Code>RegionDisabledException</Code><Message>m</Message>')],
  ['IDPCommunicationError', 400, err('<Code>IDPCommunicationError</Code><Message>m</Message>')],
  ['a code that is not an identifier', 403, err('<Code>Access Denied &lt;script&gt;</Code><Message>m</Message>')],
  ['a code with a line break entity', 403, err('<Code>Access&#13;::warning::x</Code><Message>no&#10;::error::y</Message>')],
  ['EC2-style Errors', 400, '<Response><Errors><Error><Code>X</Code><Message>m</Message></Error></Errors></Response>'],
  ['no message', 403, err('<Code>A</Code>')],
  ['no code', 403, err('<Message>m</Message>')],
  ['a message outside Error', 403, '<ErrorResponse><Message>top</Message></ErrorResponse>'],
  ['500, empty body', 500, ''],
  ['404, empty body', 404, ''],
  ['503, HTML', 503, '<html><body>Service Unavailable</body></html>'],
  ['a redirect', 307, ''],
  ['a redirect with a body', 302, '<a>moved</a>'],
  ['an error document with status 200 reads as a reply without fields', 200, err('<Code>AccessDenied</Code><Message>m</Message>')],
];

test.each(SAME)('%s: the same outcome as the SDK', async (_name, status, body, action = 'AssumeRole') => {
  const lean = viaLean(status, body, action);
  expect(lean).toEqual(await viaSdk(status, body, action));
});

/** Deliberately plainer than the SDK, which reports its own parser's words or a stack overflow. */
const PLAINER: Array<[string, number, string, string, string]> = [
  ['a non-XML 503', 503, 'plain text', 'UnknownError', 'answered HTTP 503 without an error it could read'],
  ['a mismatched 500', 500, '<a><b></a>', 'UnknownError', 'answered HTTP 500 without an error it could read'],
  ['a Code holding an element', 403, err('<Code><x/></Code><Message>m</Message>'), 'UnknownError', 'answered HTTP 403 without an error it could read'],
  ['a repeated Code', 403, err('<Code>A</Code><Code>B</Code><Message>m</Message>'), 'UnknownError', 'answered HTTP 403 without an error it could read'],
  ['deep nesting in an error', 403, `<E>${'<a>'.repeat(20000)}</E>`, 'UnknownError', 'answered HTTP 403 without an error it could read'],
];

test.each(PLAINER)('%s (HTTP %i): plainer than the SDK, which names its parser', async (_name, status, body, code, message) => {
  const lean = viaLean(status, body, 'AssumeRole') as { error: { code: string; message: string; retryable: boolean } };
  const sdk = (await viaSdk(status, body, 'AssumeRole')) as { error: { code: string; retryable: boolean } };
  expect(lean.error.code).toBe(code);
  expect(lean.error.message).toContain(message);
  expect(lean.error.message).not.toMatch(/parse|Deserialization|stack/);
  // The retry class is the SDK path's: by status.
  expect(lean.error.retryable).toBe(sdk.error.retryable);
});

describe('replies the SDK would overflow or split, read without recursion', () => {
  test.each([
    ['20 000 unclosed elements', `<R><AssumeRoleResult>${'<a>'.repeat(20000)}</a></AssumeRoleResult></R>`],
    ['7 000 closed elements', `<R><AssumeRoleResult>${'<a>'.repeat(7000)}${'</a>'.repeat(7000)}</AssumeRoleResult></R>`],
    ['a repeated Arn', ok(CREDS + USER.replace('</Arn>', '</Arn><Arn>arn:aws:sts::999999999999:assumed-role/admin/s</Arn>'))],
    ['a field holding elements', ok(CREDS.replace('<SessionToken>t</SessionToken>', '<SessionToken><x>t</x></SessionToken>') + USER)],
    ['an Expiration that is not a date', ok(CREDS.replace('2026-06-01T12:00:00Z', 'tomorrow') + USER)],
  ])('%s: UnreadableReply', (_name, body) => {
    expect(viaLean(200, body, 'AssumeRole')).toEqual({
      error: {
        code: 'UnreadableReply',
        status: 200,
        retryable: false,
        message: 'AssumeRole failed: UnreadableReply (HTTP 200): the STS reply could not be read (HTTP 200)',
      },
    });
  });

  test(`nesting is refused past ${MAX_DEPTH} levels and read up to it`, () => {
    expect(() => parseXml(`${'<a>'.repeat(MAX_DEPTH + 1)}${'</a>'.repeat(MAX_DEPTH + 1)}`)).toThrow(XmlError);
    let e = parseXml(`${'<a>'.repeat(MAX_DEPTH)}x${'</a>'.repeat(MAX_DEPTH)}`);
    for (let i = 1; i < MAX_DEPTH; i++) e = e.children[0]!;
    expect(e.text).toBe('x');
  });

  test('entity decoding: the five predefined, decimal and hex references; others read as nothing', () => {
    expect(decodeEntities('&amp;&lt;&gt;&quot;&apos;&#65;&#x42;&#10;&unknown;&amp;amp;')).toBe(`&<>"'AB\n&amp;`);
  });

  test('a byte-order mark before the root is ignored; text outside the root is refused', () => {
    expect(parseXml('\uFEFF<a>x</a>').text).toBe('x');
    expect(() => parseXml('junk<a/>')).toThrow(XmlError);
    expect(() => parseXml('')).toThrow(XmlError);
  });
});
