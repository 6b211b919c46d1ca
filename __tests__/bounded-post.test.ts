/** src/net/boundedPost.ts: one POST under a byte cap, a total deadline and a connect timeout, failures named as the SDK's handler names them. */
import * as http from 'node:http';
import { type Socket, Socket as NetSocket } from 'node:net';
import { DeadlineError, ReplyTooLargeError } from '../src/net/bounded.js';
import { boundedPost, type PostLimits } from '../src/net/boundedPost.js';
import { listenOnLoopback, type LoopbackServer } from './support/loopback.js';

let server: LoopbackServer;
let handle: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;
const sockets = new Set<Socket>();

beforeAll(async () => {
  const s = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => handle(req, body, res));
  });
  s.on('connection', (c: Socket) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
  });
  server = await listenOnLoopback(s);
});
afterAll(() => server.close());

const agent = new http.Agent({ keepAlive: true });
afterEach(() => agent.destroy());
const LIMITS: PostLimits = { connectTimeoutMs: 3000, deadlineMs: 5000, capBytes: 1024 };
const post = (limits: Partial<PostLimits> = {}, a: http.Agent = agent) =>
  boundedPost(
    { request: http.request, agent: a },
    { url: new URL(server.url), path: '/p/', headers: { 'x-test': '1' }, body: 'Action=X' },
    { ...LIMITS, ...limits },
  );

test('sends the path, headers, body and its length; returns status, headers and body', async () => {
  handle = (req, body, res) =>
    res.writeHead(403, { 'x-seen': `${req.method} ${req.url} ${req.headers['x-test']} ${req.headers['content-length']} ${body}` }).end('reply');
  const r = await post();
  expect(r.status).toBe(403);
  expect(r.headers['x-seen']).toBe('POST /p/ 1 8 Action=X');
  expect(r.body.toString()).toBe('reply');
});

test('a reply past the cap is refused as it arrives, and a declared one before', async () => {
  handle = (_req, _body, res) => res.writeHead(200).end('x'.repeat(5000));
  await expect(post()).rejects.toBeInstanceOf(ReplyTooLargeError);
  handle = (_req, _body, res) => {
    res.writeHead(200, { 'content-length': '999999' });
    res.write('x');
  };
  await expect(post()).rejects.toBeInstanceOf(ReplyTooLargeError);
  handle = (_req, _body, res) => res.writeHead(200).end('x'.repeat(1024));
  expect((await post()).body.length).toBe(1024);
});

test('the total deadline fires while bytes still drip in, naming the origin, and closes the connection', async () => {
  handle = (_req, _body, res) => {
    res.writeHead(200);
    const timer = setInterval(() => res.write('x'), 50);
    res.on('close', () => clearInterval(timer));
  };
  const started = Date.now();
  const failure = await post({ deadlineMs: 400 }).catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(DeadlineError);
  expect((failure as Error).message).toBe(`${new URL(server.url).origin} did not answer within 0.4 s`);
  expect(Date.now() - started).toBeLessThan(4000);
  await new Promise((r) => setTimeout(r, 100));
  expect(sockets.size).toBe(0);
});

test("a connection that never completes fails at the connect timeout as a TimeoutError (the SDK handler's name)", async () => {
  // A socket that stays "connecting" forever, as to a black-holed address.
  const stuck = new http.Agent();
  (stuck as unknown as { createConnection: () => Socket }).createConnection = () => {
    const s = new NetSocket();
    Object.defineProperty(s, 'connecting', { value: true });
    return s;
  };
  const failure = await post({ connectTimeoutMs: 200 }, stuck).catch((e: unknown) => e);
  expect(failure).toMatchObject({ name: 'TimeoutError', message: 'Socket timed out without establishing a connection within 200 ms' });
});

test('a refused connection is node’s own error', async () => {
  const closed = await listenOnLoopback(http.createServer());
  const url = new URL(closed.url);
  await closed.close();
  const failure = await boundedPost({ request: http.request, agent }, { url, path: '/', headers: {}, body: '' }, LIMITS).catch((e: unknown) => e);
  expect(failure).toMatchObject({ code: 'ECONNREFUSED' });
});
