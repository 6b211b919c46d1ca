/** src/net/preconnect.ts: a connection opened before its request is used once, or dropped without a word. */
import { Agent, createServer, request } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { preconnect } from '../src/net/preconnect.js';
import { preconnectUrl } from '../src/sts/client.js';
import { listenOnLoopback, type LoopbackServer } from './support/loopback.js';

let server: LoopbackServer;
const connections: Socket[] = [];
const connectedAt: number[] = [];

beforeAll(async () => {
  const http = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(`hello ${req.url}`));
  });
  http.on('connection', (s: Socket) => {
    connections.push(s);
    connectedAt.push(Date.now());
  });
  server = await listenOnLoopback(http);
});
afterAll(() => server.close());
beforeEach(() => {
  connections.length = 0;
  connectedAt.length = 0;
});

function get(agent: Agent, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: 'POST' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end('x');
  });
}

const waitFor = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  return check();
};

test('the first request to the origin takes the connection opened before it', async () => {
  const agent = new Agent({ keepAlive: true });
  try {
    const warm = preconnect(agent, new URL(server.url), 3000);
    expect(await waitFor(() => connections.length === 1)).toBe(true); // opened before any request
    const opened = connectedAt[0]!;
    expect(await get(agent, `${server.url}/one`)).toBe('hello /one');
    expect(await get(agent, `${server.url}/two`)).toBe('hello /two');
    expect(connections).toHaveLength(1); // no second handshake: the spare, then keep-alive
    expect(connectedAt[0]).toBe(opened);
    warm.discard(); // a no-op once taken: the agent owns the socket now
    expect(connections[0]!.destroyed).toBe(false);
  } finally {
    agent.destroy();
  }
});

test('another origin does not get the spare, which is destroyed by discard()', async () => {
  const other = await listenOnLoopback(createServer((_req, res) => res.end('other')));
  const agent = new Agent({ keepAlive: true });
  try {
    const warm = preconnect(agent, new URL(server.url), 3000);
    expect(await waitFor(() => connections.length === 1)).toBe(true);
    expect(await get(agent, `${other.url}/x`)).toBe('other');
    expect(connections[0]!.destroyed).toBe(false);
    warm.discard();
    expect(await waitFor(() => connections[0]!.destroyed)).toBe(true);
  } finally {
    agent.destroy();
    await other.close();
  }
});

test('a refused pre-connect is silent: the request connects on its own and reports its own error', async () => {
  // A port that was open a moment ago and is closed now: connecting is refused.
  const closed = createNetServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const agent = new Agent({ keepAlive: true });
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('uncaughtException', onUnhandled);
  try {
    preconnect(agent, new URL(`http://127.0.0.1:${port}`), 3000);
    await new Promise((r) => setTimeout(r, 100)); // the refusal arrives with no listener of ours to see it
    await expect(get(agent, `http://127.0.0.1:${port}/x`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(unhandled).toEqual([]);
  } finally {
    process.off('uncaughtException', onUnhandled);
    agent.destroy();
  }
});

test('a spare the server closed before use is not handed out', async () => {
  const agent = new Agent({ keepAlive: true });
  try {
    preconnect(agent, new URL(server.url), 3000);
    expect(await waitFor(() => connections.length === 1)).toBe(true);
    connections[0]!.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(await get(agent, `${server.url}/after`)).toBe('hello /after');
    expect(connections).toHaveLength(2);
  } finally {
    agent.destroy();
  }
});

describe('preconnectUrl: only where the first call is known to go', () => {
  const conn = { region: 'us-east-1', connectTimeoutMs: 1, requestTimeoutMs: 1 };
  test.each([
    [{}, {}, 'https://sts.us-east-1.amazonaws.com/'],
    [{ endpoint: 'http://127.0.0.1:9/' }, {}, 'http://127.0.0.1:9/'],
    [{}, { AWS_ENDPOINT_URL_STS: 'https://sts.example.test' }, 'https://sts.example.test/'],
    [{}, { AWS_ENDPOINT_URL: 'https://all.example.test' }, 'https://all.example.test/'],
    [{}, { AWS_USE_FIPS_ENDPOINT: 'true' }, undefined],
    [{}, { AWS_USE_DUALSTACK_ENDPOINT: 'true' }, undefined],
    [{}, { AWS_STS_REGIONAL_ENDPOINTS: 'legacy' }, undefined],
    [{ region: 'cn-north-1' }, {}, undefined],
    [{ region: 'us-gov-west-1' }, {}, undefined],
    [{ proxyEnv: { HTTPS_PROXY: 'http://proxy.test:3128' } }, {}, undefined],
    [{ endpoint: 'ftp://sts.example.test' }, {}, undefined],
    [{ endpoint: 'not a url' }, {}, undefined],
  ])('%j with env %j → %s', (extra, env, expected) => {
    expect(preconnectUrl({ ...conn, ...extra }, env)?.href).toBe(expected);
  });
});

test("preconnectUrl's plain regional endpoint is the SDK's own answer for those regions", async () => {
  const { STSClient } = await import('@aws-sdk/client-sts');
  const regions = [
    'us-east-1',
    'us-west-2',
    'eu-west-1',
    'eu-central-2',
    'ap-southeast-2',
    'sa-east-1',
    'ca-central-1',
    'me-south-1',
    'af-south-1',
    'il-central-1',
    'mx-central-1',
  ];
  for (const region of regions) {
    const sdk = new STSClient({ region, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' } });
    const expected = sdk.config.endpointProvider({ Region: region, UseFIPS: false, UseDualStack: false, UseGlobalEndpoint: false }, {}).url.href;
    sdk.destroy();
    expect(preconnectUrl({ region, connectTimeoutMs: 1, requestTimeoutMs: 1 }, {})?.href).toBe(expected);
  }
});
