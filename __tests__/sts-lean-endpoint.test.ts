/**
 * src/sts/endpoint.ts: the lean client takes an endpoint only where it is certain to be the SDK's.
 * Compared with the URL @aws-sdk/client-sts itself sends to, over regions of every partition × FIPS ×
 * dual-stack × explicit endpoints; everything the lean client does not copy goes to the SDK.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chooseEndpoint, readSharedConfig, requestPath } from '../src/sts/endpoint.js';
import { REGIONS_BY_PARTITION } from './support/arbitraries.js';

/** Where the SDK sends a request (its handler stops it), or its error. */
async function sdkUrl(opts: { region: string; endpoint?: string; useFipsEndpoint?: boolean; useDualstackEndpoint?: boolean }): Promise<string> {
  let seen = '';
  const handler = {
    metadata: { handlerProtocol: 'http/1.1' },
    handle: async (req: { protocol: string; hostname: string; port?: number; path: string }) => {
      seen = `${req.protocol}//${req.hostname}${req.port ? `:${req.port}` : ''}${req.path}`;
      throw new Error('stop');
    },
  };
  const sts = new STSClient({ ...opts, maxAttempts: 1, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, requestHandler: handler as never });
  try {
    await sts.send(new GetCallerIdentityCommand({}));
  } catch (e) {
    if (!seen) return `error: ${(e as Error).message}`;
  }
  return seen;
}

const leanUrl = (choice: ReturnType<typeof chooseEndpoint>) =>
  choice.kind === 'lean' ? `${choice.url.origin}${requestPath(choice.url)}` : `sdk: ${choice.why}`;

const REGIONS = [
  ...Object.values(REGIONS_BY_PARTITION).flat(),
  'us-east-2',
  'eu-south-2',
  'ap-east-2',
  'mx-central-1',
  'ca-west-1',
  'cn-north-2',
  'aws-global',
  'us-gov-global',
  'moon-base-1',
  'US-EAST-1',
  'local',
];
const LEAN_PARTITIONS = new Set(['aws', 'aws-cn', 'aws-us-gov']);

describe('regional endpoints: the lean URL is the SDK’s, or the SDK decides', () => {
  test.each(REGIONS)('%s', async (region) => {
    const choice = chooseEndpoint({ region }, {}, '');
    const partition = Object.entries(REGIONS_BY_PARTITION).find(([, rs]) => rs.includes(region))?.[0];
    if (partition) expect(choice.kind).toBe(LEAN_PARTITIONS.has(partition) ? 'lean' : 'sdk');
    if (choice.kind === 'lean') expect(leanUrl(choice)).toBe(await sdkUrl({ region }));
  });

  test.each(
    REGIONS.flatMap((region) => [true, false].flatMap((fips) => [true, false].map((dual) => [region, fips, dual] as const))).filter(([, f, d]) => f || d),
  )('%s, FIPS %s, dual-stack %s: the SDK decides', (region, fips, dual) => {
    const env = { ...(fips ? { AWS_USE_FIPS_ENDPOINT: 'true' } : {}), ...(dual ? { AWS_USE_DUALSTACK_ENDPOINT: 'true' } : {}) };
    expect(chooseEndpoint({ region }, env, '')).toMatchObject({ kind: 'sdk' });
  });
});

describe('explicit endpoints', () => {
  test.each([
    'http://127.0.0.1:4566',
    'https://sts.example.test/base',
    'https://sts.example.test/base/',
    'http://[::1]:8080',
    'https://vpce-1.sts.us-east-1.vpce.amazonaws.com',
  ])('%s as the sts-endpoint input: the SDK’s URL', async (endpoint) => {
    const choice = chooseEndpoint({ region: 'eu-west-1', endpoint }, {}, '');
    expect(choice.kind).toBe('lean');
    expect(leanUrl(choice)).toBe(await sdkUrl({ region: 'eu-west-1', endpoint }));
  });

  test('the input wins over AWS_ENDPOINT_URL_STS, which wins over AWS_ENDPOINT_URL', () => {
    const env = { AWS_ENDPOINT_URL_STS: 'http://sts.local:1', AWS_ENDPOINT_URL: 'http://all.local:2' };
    expect(leanUrl(chooseEndpoint({ region: 'us-east-1', endpoint: 'http://input.local:3' }, env, ''))).toBe('http://input.local:3/');
    expect(leanUrl(chooseEndpoint({ region: 'us-east-1' }, env, ''))).toBe('http://sts.local:1/');
    expect(leanUrl(chooseEndpoint({ region: 'us-east-1' }, { AWS_ENDPOINT_URL: 'http://all.local:2' }, ''))).toBe('http://all.local:2/');
    expect(leanUrl(chooseEndpoint({ region: 'us-east-1' }, { AWS_ENDPOINT_URL_STS: '' }, ''))).toBe('https://sts.us-east-1.amazonaws.com/');
  });

  test.each(['ftp://x', 'not a url', 'https://user:pw@x', 'https://x/?q=1'])('%s: the SDK decides (and reports it as today)', (endpoint) => {
    expect(chooseEndpoint({ region: 'us-east-1', endpoint }, {}, '')).toMatchObject({ kind: 'sdk' });
  });
});

describe('settings the lean client does not copy send the call to the SDK', () => {
  test.each([
    'AWS_USE_FIPS_ENDPOINT',
    'AWS_USE_DUALSTACK_ENDPOINT',
    'AWS_STS_REGIONAL_ENDPOINTS',
    'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
    'AWS_CONFIG_FILE',
    'AWS_SHARED_CREDENTIALS_FILE',
  ])('%s', (name) => {
    expect(chooseEndpoint({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1' }, { [name]: 'x' }, '')).toMatchObject({ kind: 'sdk', why: `${name} is set` });
    expect(chooseEndpoint({ region: 'us-east-1' }, { [name]: '' }, '')).toMatchObject({ kind: 'lean' });
  });

  test.each([
    'use_fips_endpoint = true',
    'use_dualstack_endpoint=true',
    'sts_regional_endpoints = legacy',
    'endpoint_url = http://x',
    'services = mine',
    'ignore_configured_endpoint_urls = true',
  ])('a shared config naming %s', (line) => {
    expect(chooseEndpoint({ region: 'us-east-1' }, {}, `[default]\n${line}\n`)).toMatchObject({ kind: 'sdk' });
  });

  test('unreadable shared config files: the SDK decides', () => {
    expect(chooseEndpoint({ region: 'us-east-1' }, {}, undefined)).toMatchObject({ kind: 'sdk' });
    expect(chooseEndpoint({ region: 'us-east-1' }, {}, '[profile p]\nregion = eu-west-1\ncredential_process = x\n')).toMatchObject({ kind: 'lean' });
    // Only as a key: a value or a name that merely contains one of the words changes nothing.
    const mentions = '[profile services]\nrole_arn = arn:aws:iam::123456789012:role/services-endpoint_url\n# use_fips_endpoint = true\n';
    expect(chooseEndpoint({ region: 'us-east-1' }, {}, mentions)).toMatchObject({ kind: 'lean' });
    expect(chooseEndpoint({ region: 'us-east-1' }, {}, '[services s]\nsts =\n  endpoint_url = http://x\n')).toMatchObject({ kind: 'sdk' });
  });

  test('readSharedConfig reads ~/.aws/config and credentials under HOME; missing files are empty', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'aac-lean-home-'));
    try {
      expect(readSharedConfig({ HOME: home })).toBe('');
      fs.mkdirSync(path.join(home, '.aws'));
      fs.writeFileSync(path.join(home, '.aws', 'config'), '[default]\nuse_fips_endpoint = true\n');
      expect(readSharedConfig({ HOME: home })).toContain('use_fips_endpoint');
      fs.writeFileSync(path.join(home, '.aws', 'credentials'), '[x]\nendpoint_url = http://e\n');
      expect(readSharedConfig({ HOME: home })).toContain('endpoint_url');
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
