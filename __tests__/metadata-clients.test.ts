/**
 * The container-endpoint and IMDSv2 readers against hostile or broken stand-ins, in process: oversized
 * replies, documents that are not credentials, keys that could break a file line, IMDS error codes,
 * 5xx then success. Errors never quote a reply's body. (That every key and token is masked is checked
 * through dist/ in e2e-runner-identity.test.ts, where the runner's view of stdout is available.)
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { containerCredentials } from '../src/sources/containerCredentials.js';
import { instanceCredentials } from '../src/sources/instanceMetadata.js';

const KEY = 'ASIAMETADATATEST0001';
const SECRET = 'c2VjcmV0LXZhbHVlLWZvci1tZXRhZGF0YQ==';
const TOKEN = 'dG9rZW4tdmFsdWUtZm9yLW1ldGFkYXRhLXRlc3Q=';
const DOC = { Code: 'Success', AccessKeyId: KEY, SecretAccessKey: SECRET, Token: TOKEN, Expiration: '2099-01-01T00:00:00Z' };

let server: Server | undefined;
afterEach(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
  }
});

async function serve(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a rejection');
}

describe('container endpoint', () => {
  test('a good document: the keys', async () => {
    const url = await serve((_req, res) => json(res, 200, DOC));
    const creds = await containerCredentials({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${url}/c` });
    expect(creds).toMatchObject({ accessKeyId: KEY, secretAccessKey: SECRET, sessionToken: TOKEN });
    expect(creds.expiration?.toISOString()).toBe('2099-01-01T00:00:00.000Z');
  });

  test('a 5xx then a good answer: the second attempt wins', async () => {
    let n = 0;
    const url = await serve((_req, res) => (++n === 1 ? json(res, 503, 'busy') : json(res, 200, DOC)));
    await expect(containerCredentials({ AWS_CONTAINER_CREDENTIALS_FULL_URI: url })).resolves.toMatchObject({ accessKeyId: KEY });
    expect(n).toBe(2);
  });

  test.each([
    ['a body over the cap', (res: ServerResponse) => json(res, 200, `{"pad":"${'x'.repeat(64 * 1024)}"}`), /larger than 16 KiB/],
    ['not JSON', (res: ServerResponse) => json(res, 200, `<html>${SECRET}</html>`), /without a credentials document/],
    ['a number for a key', (res: ServerResponse) => json(res, 200, { ...DOC, AccessKeyId: 42 }), /without a credentials document/],
    ['a bad Expiration', (res: ServerResponse) => json(res, 200, { ...DOC, Expiration: 'soon' }), /without a credentials document/],
    [
      'a key with a line break',
      (res: ServerResponse) => json(res, 200, { ...DOC, SecretAccessKey: `${SECRET}\nregion = x` }),
      /SecretAccessKey does not have the shape/,
    ],
    ['a 404', (res: ServerResponse) => json(res, 404, { message: SECRET }), /answered HTTP 404$/],
  ])('%s is refused without quoting the body', async (_name, answer, message) => {
    const url = await serve((_req, res) => answer(res));
    const error = await rejection(containerCredentials({ AWS_CONTAINER_CREDENTIALS_FULL_URI: url }));
    expect(error).toMatch(message);
    expect(error).not.toContain(SECRET);
  });
});

describe('IMDSv2', () => {
  /** A faithful IMDSv2 whose credentials answer `doc` (or whose listing answers `listing`). */
  async function imds(doc: unknown, listing = 'runner-role'): Promise<{ url: string; seen: string[] }> {
    const seen: string[] = [];
    const url = await serve((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers['x-aws-ec2-metadata-token'] ? 'token' : 'no-token'}`);
      if (req.url === '/latest/api/token' && req.method === 'PUT') return json(res, 200, 'imds-session-token');
      if (req.headers['x-aws-ec2-metadata-token'] !== 'imds-session-token') return json(res, 401, '');
      if (req.url === '/latest/meta-data/iam/security-credentials/') return json(res, 200, listing);
      return json(res, 200, doc);
    });
    return { url, seen };
  }

  test('token, listing, credentials, every GET with the token', async () => {
    const stand = await imds(DOC);
    const creds = await instanceCredentials({ AWS_EC2_METADATA_SERVICE_ENDPOINT: stand.url });
    expect(creds).toMatchObject({ accessKeyId: KEY, sessionToken: TOKEN });
    expect(stand.seen).toEqual([
      'PUT /latest/api/token no-token',
      'GET /latest/meta-data/iam/security-credentials/ token',
      'GET /latest/meta-data/iam/security-credentials/runner-role token',
    ]);
  });

  test('disabled: no request at all', async () => {
    const stand = await imds(DOC);
    expect(await rejection(instanceCredentials({ AWS_EC2_METADATA_SERVICE_ENDPOINT: stand.url, AWS_EC2_METADATA_DISABLED: 'True' }))).toBe(
      'AWS_EC2_METADATA_DISABLED is true',
    );
    expect(stand.seen).toEqual([]);
  });

  test.each([
    ['a Code other than Success', { ...DOC, Code: 'AssumeRoleUnauthorizedAccess' }, 'runner-role', /came with Code AssumeRoleUnauthorizedAccess/],
    ['a listing that is not a role name', DOC, '<html>hello</html>', /does not name a role: not AWS's IMDSv2/],
    ['credentials that are not a document', 'garbage', 'runner-role', /are not a credentials document/],
  ])('%s is refused', async (_name, doc, listing, message) => {
    const stand = await imds(doc, listing);
    const error = await rejection(instanceCredentials({ AWS_EC2_METADATA_SERVICE_ENDPOINT: stand.url }));
    expect(error).toMatch(message);
    expect(error).not.toContain('hello');
  });

  test('no instance profile (404 listing) says so', async () => {
    const url = await serve((req, res) => (req.method === 'PUT' ? json(res, 200, 'tok') : json(res, 404, '')));
    expect(await rejection(instanceCredentials({ AWS_EC2_METADATA_SERVICE_ENDPOINT: url }))).toBe(
      'no instance profile is attached to this instance (the role listing is empty)',
    );
  });

  test('a refused connection: two attempts, then the reason', async () => {
    const url = await serve(() => undefined);
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    expect(await rejection(instanceCredentials({ AWS_EC2_METADATA_SERVICE_ENDPOINT: url }))).toMatch(
      /^the IMDSv2 token request: 127\.0\.0\.1:\d+ unreachable \(ECONNREFUSED\) \(2 attempts\)$/,
    );
  });
});
