/** The ground floor of bounded reading (src/net): byte caps, total deadlines, and quoting a peer's words safely. */
import { createServer, get } from 'node:http';
import { Readable } from 'node:stream';
import { DeadlineError, ReplyTooLargeError, checkDeclaredLength, readCapped, withRequestDeadline } from '../src/net/bounded.js';
import { diagnostic, redact } from '../src/net/diagnostic.js';
import { DIAGNOSTIC_CHARS, seconds } from '../src/net/limits.js';
import { listenOnLoopback } from './support/loopback.js';

describe('readCapped', () => {
  test('reads a body up to the cap whole', async () => {
    const body = await readCapped(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 4);
    expect(body.toString()).toBe('abcd');
  });

  test('fails at the first byte past the cap and stops pulling from the source', async () => {
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled++;
        this.push(Buffer.alloc(1024, 'x'));
      },
    });
    await expect(readCapped(endless, 10 * 1024)).rejects.toBeInstanceOf(ReplyTooLargeError);
    expect(endless.destroyed).toBe(true);
    expect(pulled).toBeLessThan(20);
  });

  test('a body that ends early is an error, not a short reply', async () => {
    const stream = new Readable({ read() {} });
    const reading = readCapped(stream, 100);
    stream.push('partial');
    stream.destroy();
    await expect(reading).rejects.toThrow(/closed before the reply ended/);
  });

  test('a declared length over the cap is refused before reading', () => {
    expect(() => checkDeclaredLength({ 'content-length': '65537' }, 65536)).toThrow(ReplyTooLargeError);
    expect(() => checkDeclaredLength({ 'content-length': '65536' }, 65536)).not.toThrow();
    expect(() => checkDeclaredLength({}, 65536)).not.toThrow();
  });
});

describe('withRequestDeadline', () => {
  test('rejects at the deadline even while bytes keep arriving, and destroys the connection', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write('x'), 50);
      res.on('close', () => clearInterval(timer));
    });
    const loop = await listenOnLoopback(server);
    let closed = false;
    try {
      const started = Date.now();
      const reading = withRequestDeadline(
        'the test server',
        600,
        (signal) =>
          new Promise<Buffer>((resolve, reject) => {
            const req = get(loop.url, { signal }, (res) => {
              res.on('close', () => (closed = true));
              readCapped(res, 1024 * 1024).then(resolve, reject);
            });
            req.on('error', reject);
          }),
      );
      await expect(reading).rejects.toThrow(new DeadlineError('the test server', 600));
      await expect(reading).rejects.toThrow('the test server did not answer within 0.6 s');
      expect(Date.now() - started).toBeLessThan(5_000);
      await new Promise((r) => setTimeout(r, 100));
      expect(closed).toBe(true);
    } finally {
      await loop.close();
    }
  });

  test('an outer abort is passed on', async () => {
    const outer = new AbortController();
    outer.abort();
    let seen = false;
    await withRequestDeadline(
      'x',
      1000,
      async (signal) => {
        seen = signal.aborted;
      },
      outer.signal,
    );
    expect(seen).toBe(true);
  });

  test('seconds are shown as people read them', () => {
    expect(seconds(10_000)).toBe('10 s');
    expect(seconds(4_990)).toBe('5 s');
    expect(seconds(3_940)).toBe('3.9 s');
    expect(seconds(600)).toBe('0.6 s');
  });
});

describe("diagnostic: a peer's words, short, escaped and redacted", () => {
  test('Authorization headers, bearer tokens, JWTs, AWS keys and named secrets are replaced', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const text = [
      'Authorization: Bearer s3cr3t-request-token',
      '{"authorization":"Basic dXNlcjpwYXNz","host":"x"}',
      `token ${jwt} here`,
      'bearer abc.def',
      'key AKIAIOSFODNN7EXAMPLE secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'named: hunter2-named',
    ].join('\n');
    const out = redact(text, { secrets: ['hunter2-named'] });
    for (const secret of ['s3cr3t-request-token', 'dXNlcjpwYXNz', jwt, 'abc.def', 'AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI', 'hunter2-named']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('Authorization: ***');
    expect(out).toContain('named: ***');
  });

  test('long identifiers can be kept where they matter, named secrets still go', () => {
    const text = 'User: arn:aws:sts::111111111111:assumed-role/hub/run-1234567890-attempt-1 is not authorized; token IQoJb3JpZ2luX2VjE123';
    expect(redact(text, { longRuns: false, secrets: ['IQoJb3JpZ2luX2VjE123'] })).toBe(text.replace('IQoJb3JpZ2luX2VjE123', '***'));
    expect(redact(text)).not.toContain('run-1234567890'); // the default is the safe side
  });

  test('readable text stays readable: words, paths without digits, short numbers', () => {
    const text = 'error: cannot open /home/runner/work/config for reading (code 13)';
    expect(diagnostic(text)).toBe(text);
  });

  test('one line, control characters escaped, cut to the tail or the head', () => {
    expect(diagnostic('a\nb\r\n\tc')).toBe('a b c');
    expect(diagnostic('x\u001b[31my\u202ez')).toBe('x\\x1b[31my\\u202ez');
    const long = `${'head '.repeat(100)}the reason`;
    const tail = diagnostic(long, { tail: true });
    expect(tail.endsWith('the reason')).toBe(true);
    expect(tail.length).toBe(DIAGNOSTIC_CHARS + 1);
    expect(diagnostic(long).startsWith('head head')).toBe(true);
  });

  // The deadline is the test's timeout: a backtracking pattern would take minutes on these.
  test('a long run that only looks like a secret, or a long header line, is handled in time', () => {
    expect(diagnostic('a'.repeat(60_000))).toHaveLength(DIAGNOSTIC_CHARS + 1);
    expect(diagnostic(`${'bearer '.repeat(10_000)}x`)).not.toMatch(/bearer [^*]/i);
    expect(diagnostic(`authorization: ${'x'.repeat(60_000)}`)).toBe('Authorization: ***');
  }, 20_000);
});
