/**
 * Where the lean client sends a request, or that it must not: ONE decision, `chooseEndpoint`. The
 * lean client takes only the cases whose URL is certain and equal to the SDK's: an explicit endpoint
 * (the sts-endpoint input or the plan's), AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, and the regional
 * endpoint `https://sts.{region}.{dnsSuffix}` of the aws, aws-cn and aws-us-gov partitions. Anything
 * that could change the SDK's answer — FIPS, dual-stack, AWS_STS_REGIONAL_ENDPOINTS, ignored endpoint
 * URLs, an endpoint setting in the shared config files, another config file, a region outside those
 * partitions' patterns — goes to the SDK client (loaded only then), so those keep today's behaviour.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../base/errors.js';
import { readBoundedFile } from '../config/boundedFile.js';

export type EndpointChoice = { readonly kind: 'lean'; readonly url: URL } | { readonly kind: 'sdk'; readonly why: string };

/** Partitions the lean client resolves (their region patterns and DNS suffixes, as in the SDK's partition table). */
const PARTITIONS: readonly { readonly regions: RegExp; readonly dnsSuffix: string }[] = [
  { regions: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/, dnsSuffix: 'amazonaws.com' },
  { regions: /^cn-\w+-\d+$/, dnsSuffix: 'amazonaws.com.cn' },
  { regions: /^us-gov-\w+-\d+$/, dnsSuffix: 'amazonaws.com' },
];

/** Environment variables that change the SDK's endpoint (or its errors) in ways the lean client does not copy. */
const SDK_ENV = [
  'AWS_USE_FIPS_ENDPOINT',
  'AWS_USE_DUALSTACK_ENDPOINT',
  'AWS_STS_REGIONAL_ENDPOINTS',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
];

/**
 * Shared-config keys the SDK reads for an endpoint, as a key on any line of any section (indented too:
 * `endpoint_url` nested under a service in a `[services …]` section) — any profile, not only the one
 * AWS_PROFILE names, so the check errs towards the SDK. `\s`, not `[ \t]`: the SDK's INI reader trims
 * keys with String.prototype.trim (NBSP, vertical tab, form feed, BOM…), the same set `\s` matches.
 */
const SDK_CONFIG_KEYS =
  /^\s*(?:use_fips_endpoint|use_dualstack_endpoint|sts_regional_endpoints|endpoint_url|ignore_configured_endpoint_urls|services)\s*[=:]/im;

const set = (env: NodeJS.ProcessEnv, name: string) => env[name] !== undefined && env[name] !== '';

/** A URL the lean client can send to as the SDK would (http or https, no credentials, query or fragment). */
function plainUrl(text: string): URL | undefined {
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  const plain = (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password && !url.search && !url.hash;
  return plain ? url : undefined;
}

/** Pure: `sharedConfig` is the text of the shared config and credentials files (undefined ⇒ unreadable). */
export function chooseEndpoint(
  conn: { readonly region: string; readonly endpoint?: string },
  env: NodeJS.ProcessEnv,
  sharedConfig: string | undefined,
): EndpointChoice {
  const variable = SDK_ENV.find((v) => set(env, v));
  if (variable) return { kind: 'sdk', why: `${variable} is set` };
  if (sharedConfig === undefined) return { kind: 'sdk', why: 'the shared config files could not be read' };
  if (SDK_CONFIG_KEYS.test(sharedConfig)) return { kind: 'sdk', why: 'the shared config files name an endpoint setting' };
  const explicit =
    conn.endpoint ?? (set(env, 'AWS_ENDPOINT_URL_STS') ? env['AWS_ENDPOINT_URL_STS'] : set(env, 'AWS_ENDPOINT_URL') ? env['AWS_ENDPOINT_URL'] : undefined);
  if (explicit !== undefined) {
    const url = plainUrl(explicit);
    return url ? { kind: 'lean', url } : { kind: 'sdk', why: 'the endpoint is not a plain http(s) URL' };
  }
  const partition = PARTITIONS.find((p) => p.regions.test(conn.region));
  if (!partition) return { kind: 'sdk', why: `region ${conn.region} is outside the aws, aws-cn and aws-us-gov patterns` };
  return { kind: 'lean', url: new URL(`https://sts.${conn.region}.${partition.dnsSuffix}/`) };
}

/** The request path the SDK sends to `url`: the endpoint's path with a trailing slash. */
export function requestPath(url: URL): string {
  return url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
}

/** Largest shared config file read for the decision; a bigger one defers to the SDK. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * The text of ~/.aws/config and ~/.aws/credentials (home as the SDK finds it), '' for files that do
 * not exist, undefined if either cannot be read (the SDK then decides, as today). Read without
 * waiting (readBoundedFile opens non-blocking): a FIFO planted there must not hang the step, and
 * since the SDK would hang on it, a file that is not a regular one is a ConfigError.
 */
export function readSharedConfig(env: NodeJS.ProcessEnv): string | undefined {
  const home = env['HOME'] || env['USERPROFILE'] || (env['HOMEPATH'] ? `${env['HOMEDRIVE'] ?? 'C:'}${env['HOMEPATH']}` : os.homedir());
  // The files the SDK reads: AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE (a leading `~/` is the home,
  // as in the SDK) or the defaults. When either variable is set chooseEndpoint defers to the SDK anyway;
  // they are opened here so that a FIFO there fails the step instead of hanging it in the SDK.
  const files = [env['AWS_CONFIG_FILE'] || path.join(home, '.aws', 'config'), env['AWS_SHARED_CREDENTIALS_FILE'] || path.join(home, '.aws', 'credentials')];
  let text = '';
  for (const given of files) {
    const file = given.startsWith('~/') ? path.join(home, given.slice(2)) : given;
    const read = readBoundedFile(file, MAX_CONFIG_BYTES);
    if (read.ok) text += `${read.data.toString('utf8')}\n`;
    // The SDK would wait on a FIFO (or a device) for ever: refuse it here, naming the file. A directory
    // it skips (as unreadable), so that defers to the SDK, as before.
    else if (read.reason === 'not-regular' && !read.detail.startsWith('is a directory')) {
      throw new ConfigError('ConfigFileNotRegular', `${file} ${read.detail}`);
    } else if (read.reason !== 'missing') return undefined;
  }
  return text;
}
