/**
 * A hostile peer on 127.0.0.1 for tests: an STS endpoint and a GitHub token service in one server,
 * each answering in a chosen wrong way. Requests are not verified; replies are built from the request
 * (the role and session asked for) and then spoiled as the mode says. Development/test only.
 *
 * STS modes: 'honest' (a correct reply), 'other-account', 'other-role', 'other-session',
 * 'expired' (1970), 'far-future' (9999), 'long' (12 h when 1 h was asked), 'bad-key-id', 'bad-secret'
 * (a line break inside), 'huge' (HUGE_BYTES streamed, chunked, no length declared), 'huge-declared'
 * (a Content-Length of HUGE_BYTES, then the bytes), 'drip' (headers, then one body byte a second),
 * 'echo-error' (HTTP 403 AccessDenied whose message quotes the request's headers and body, with an
 * odd error code). `stsModes` sets a mode for one action only.
 * Token modes: 'honest' (a JWT-shaped token), 'echo-auth' (HTTP 401 quoting the request's headers),
 * 'huge', 'drip', 'not-a-jwt'.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { listenOnLoopback } from './loopback.js';

export type StsMode =
  | 'honest'
  | 'other-account'
  | 'other-role'
  | 'other-session'
  | 'expired'
  | 'far-future'
  | 'long'
  | 'bad-key-id'
  | 'bad-secret'
  | 'huge'
  | 'huge-declared'
  | 'drip'
  | 'echo-error';
export type TokenMode = 'honest' | 'echo-auth' | 'huge' | 'drip' | 'not-a-jwt';

/** 50 MB: what the issue measured at 2 GiB of memory before replies were capped. */
export const HUGE_BYTES = 50 * 1024 * 1024;

export interface HostileServer {
  readonly url: string;
  stsMode: StsMode;
  /** Per-action modes, over `stsMode`. */
  stsModes: Partial<Record<'AssumeRole' | 'AssumeRoleWithWebIdentity' | 'GetCallerIdentity', StsMode>>;
  tokenMode: TokenMode;
  /** Bytes written to bodies so far (a capped reader stops the flow early). */
  readonly bytesSent: number;
  /** Every key, secret, session token and JWT handed out (for leak checks). */
  readonly issued: readonly string[];
  /** Requests received, by path kind. */
  readonly requests: { sts: number; token: number };
  /** Env for the action: STS endpoint and the token service with its request token. */
  env(requestToken: string): Record<string, string>;
  close(): Promise<void>;
}

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

function readBody(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
  });
}

/** A session ARN for the role and session asked for, spoiled as the mode says. */
function sessionArn(roleArn: string, session: string, mode: StsMode): string {
  const [, partition = 'aws', , , account = '000000000000', resource = 'role/x'] = roleArn.split(':');
  const roleName = resource.split('/').pop()!;
  if (mode === 'other-account') return `arn:${partition}:sts::999999999999:assumed-role/${roleName}/${session}`;
  if (mode === 'other-role') return `arn:${partition}:sts::${account}:assumed-role/admin/${session}`;
  if (mode === 'other-session') return `arn:${partition}:sts::${account}:assumed-role/${roleName}/someone-else`;
  return `arn:${partition}:sts::${account}:assumed-role/${roleName}/${session}`;
}

function expiration(mode: StsMode, durationSeconds: number): string {
  if (mode === 'expired') return '1970-01-01T00:00:00Z';
  if (mode === 'far-future') return '9999-12-31T23:59:59Z';
  const seconds = mode === 'long' ? 12 * 3600 : durationSeconds;
  return new Date(Date.now() + seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Fresh, AWS-shaped credentials (spoiled for the key modes); `issued` remembers every secret for leak checks. */
function credentials(mode: StsMode, issued: string[]): { id: string; secret: string; token: string } {
  const id = mode === 'bad-key-id' ? 'ASIA bad key' : `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
  const secret = mode === 'bad-secret' ? `${randomBytes(15).toString('base64')}\n${randomBytes(15).toString('base64')}` : randomBytes(30).toString('base64');
  const token = `IQoJb3JpZ2luX2Vj${randomBytes(300).toString('base64')}`;
  issued.push(id, secret, token);
  return { id, secret, token };
}

function stsReply(params: URLSearchParams, mode: StsMode, issued: string[]): string {
  const action = params.get('Action') ?? 'AssumeRole';
  const roleArn = params.get('RoleArn') ?? 'arn:aws:iam::000000000000:role/x';
  const session = params.get('RoleSessionName') ?? 'session';
  const c = credentials(mode, issued);
  return (
    `<${action}Response xmlns="${NS}"><${action}Result>` +
    `<Credentials><AccessKeyId>${c.id}</AccessKeyId><SecretAccessKey>${c.secret}</SecretAccessKey>` +
    `<SessionToken>${c.token}</SessionToken><Expiration>${expiration(mode, Number(params.get('DurationSeconds') ?? 3600))}</Expiration></Credentials>` +
    `<AssumedRoleUser><AssumedRoleId>AROAHOSTILE:${session}</AssumedRoleId><Arn>${sessionArn(roleArn, session, mode)}</Arn></AssumedRoleUser>` +
    `</${action}Result><ResponseMetadata><RequestId>hostile</RequestId></ResponseMetadata></${action}Response>`
  );
}

export async function startHostileServer(): Promise<HostileServer> {
  let bytesSent = 0;
  const requests = { sts: 0, token: 0 };
  const issued: string[] = [];
  const timers = new Set<NodeJS.Timeout>();

  /** Streams `total` bytes of XML-ish filler, respecting back-pressure, until done or the reader hangs up. */
  const flood = (res: ServerResponse, total: number) => {
    const chunk = Buffer.alloc(64 * 1024, 'A');
    const pump = () => {
      while (bytesSent < total && !res.destroyed) {
        bytesSent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('error', () => undefined);
    pump();
  };

  const drip = (res: ServerResponse, body: string) => {
    let i = 0;
    const timer = setInterval(() => {
      if (res.destroyed || i >= body.length) {
        clearInterval(timer);
        timers.delete(timer);
        if (!res.destroyed) res.end();
        return;
      }
      bytesSent += 1;
      res.write(body[i++]!);
    }, 1000);
    timers.add(timer);
    res.on('error', () => undefined);
  };

  const answer = (res: ServerResponse, mode: 'huge' | 'huge-declared' | 'drip' | 'plain', type: string, body: string, status = 200) => {
    if (mode === 'huge') {
      res.writeHead(status, { 'content-type': type });
      flood(res, HUGE_BYTES);
    } else if (mode === 'huge-declared') {
      res.writeHead(status, { 'content-type': type, 'content-length': String(HUGE_BYTES) });
      flood(res, HUGE_BYTES);
    } else if (mode === 'drip') {
      res.writeHead(status, { 'content-type': type });
      drip(res, body);
    } else {
      res.writeHead(status, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
    }
  };

  const server = createServer((req, res) => {
    if (req.url?.startsWith('/_apis/idtoken')) {
      requests.token++;
      const mode = state.tokenMode;
      if (mode === 'echo-auth') {
        const body = `Unauthorized request. Received headers: ${JSON.stringify(req.headers)}`;
        return answer(res, 'plain', 'text/plain', body, 401);
      }
      const jwt = mode === 'not-a-jwt' ? 'not a jwt\n::warning::injected' : fakeJwt();
      issued.push(jwt);
      const kind = mode === 'huge' || mode === 'drip' ? mode : 'plain';
      return answer(res, kind, 'application/json', JSON.stringify({ value: jwt }));
    }
    requests.sts++;
    void readBody(req).then((params) => {
      const action = params.get('Action') as keyof HostileServer['stsModes'];
      const mode = state.stsModes[action] ?? state.stsMode;
      if (mode === 'echo-error') {
        const message = `denied; you sent ${JSON.stringify(req.headers)} with ${params.toString()}`.replace(/&/g, '&amp;').replace(/</g, '&lt;');
        const xml = `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>Access Denied &lt;script&gt;</Code><Message>${message}</Message></Error><RequestId>hostile</RequestId></ErrorResponse>`;
        return answer(res, 'plain', 'text/xml', xml, 403);
      }
      const kind = mode === 'huge' || mode === 'huge-declared' || mode === 'drip' ? mode : 'plain';
      answer(res, kind, 'text/xml', stsReply(params, mode, issued));
    });
  });
  const loop = await listenOnLoopback(server);

  const state: HostileServer = {
    url: loop.url,
    stsMode: 'honest',
    stsModes: {},
    tokenMode: 'honest',
    get bytesSent() {
      return bytesSent;
    },
    requests,
    issued,
    env: (requestToken: string) => ({
      AWS_ENDPOINT_URL_STS: loop.url,
      ACTIONS_ID_TOKEN_REQUEST_URL: `${loop.url}/_apis/idtoken?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    }),
    close: async () => {
      for (const t of timers) clearInterval(t);
      await loop.close();
    },
  };
  return state;
}

/** JWT-shaped (header.payload.signature, base64url) with a far exp; not signed: the hostile STS does not check. */
function fakeJwt(): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ sub: 'repo:octo-org/octo-repo:ref:refs/heads/main', aud: 'sts.amazonaws.com', exp: Math.floor(Date.now() / 1000) + 300 })}.${randomBytes(64).toString('base64url')}`;
}
