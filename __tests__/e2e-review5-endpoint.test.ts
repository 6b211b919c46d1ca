/**
 * Review 5: the lean client's endpoint decision against the SDK's own, for shared config files whose
 * endpoint setting is written with whitespace the SDK's INI reader trims (String.prototype.trim: NBSP,
 * vertical tab, form feed, BOM, U+2028…) but a `[ \t]` pattern does not see. The SDK then sends to the
 * config's endpoint_url; the lean client must not send elsewhere (it must defer to the SDK).
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chooseEndpoint, readSharedConfig, requestPath } from '../src/sts/endpoint.js';

/** Where the SDK sends a GetCallerIdentity with HOME set to `home` (its handler stops the request). */
async function sdkUrl(home: string): Promise<string> {
  const saved = { HOME: process.env['HOME'], AWS_PROFILE: process.env['AWS_PROFILE'] };
  process.env['HOME'] = home;
  delete process.env['AWS_PROFILE'];
  let seen = '';
  const handler = {
    metadata: { handlerProtocol: 'http/1.1' },
    handle: async (req: { protocol: string; hostname: string; port?: number; path: string }) => {
      seen = `${req.protocol}//${req.hostname}${req.port ? `:${req.port}` : ''}${req.path}`;
      throw new Error('stop');
    },
  };
  try {
    const sts = new STSClient({
      region: 'us-east-1',
      maxAttempts: 1,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      requestHandler: handler as never,
    });
    await sts.send(new GetCallerIdentityCommand({})).catch(() => undefined);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return seen;
}

const SPACES: Record<string, string> = { nbsp: '\u00a0', vt: '\v', ff: '\f', bom: '\ufeff', ideographic: '\u3000' };

describe('endpoint decision vs the SDK for odd whitespace in the shared config', () => {
  for (const [label, ws] of Object.entries(SPACES)) {
    for (const where of ['before the key', 'between key and =']) {
      test(`endpoint_url with ${label} ${where}`, async () => {
        const home = fs.mkdtempSync(path.join(os.tmpdir(), 'review5-ep-'));
        try {
          fs.mkdirSync(path.join(home, '.aws'));
          const line = where === 'before the key' ? `${ws}endpoint_url = http://127.0.0.1:9/` : `endpoint_url${ws}= http://127.0.0.1:9/`;
          fs.writeFileSync(path.join(home, '.aws', 'config'), `[default]\n${line}\n`);
          const sdk = await sdkUrl(home);
          expect(sdk).toBe('http://127.0.0.1:9/');
          const choice = chooseEndpoint({ region: 'us-east-1' }, { HOME: home }, readSharedConfig({ HOME: home }));
          const lean = choice.kind === 'lean' ? `${choice.url.origin}${requestPath(choice.url)}` : 'sdk';
          // Either the same URL as the SDK's, or deferred to the SDK: never the regional endpoint.
          expect(['sdk', sdk]).toContain(lean);
        } finally {
          fs.rmSync(home, { recursive: true, force: true });
        }
      });
    }
  }
});
