/**
 * Where the step may send a web identity token (and sign requests): a checked-in config's
 * `endpoint_url` and the AWS_ENDPOINT_URL(_STS) variables are not written by the workflow author, and
 * the GitHub OIDC token goes to whatever endpoint they name. So by default only AWS STS hosts (HTTPS) and
 * loopback (the test emulators) are used; anything else must be listed in the `allowed-sts-endpoints`
 * input. The `sts-endpoint` input is workflow code, so it is trusted as written.
 *
 * Pure: the plan, the allow-list and the environment are passed in; checked before any token is fetched.
 */
import { ConfigError, InputError, UserError } from '../base/errors.js';
import type { Plan } from '../base/types.js';
import { forbiddenCharProblem } from '../base/constraints.js';

/**
 * AWS's STS host names (DNS suffixes of every partition). Deliberately narrower than `*.amazonaws.com`:
 * anyone can own a host such as `<id>.execute-api.<region>.amazonaws.com` (API Gateway) with a valid
 * certificate, so the first label must be STS's own, followed by a region (or nothing, for the global
 * endpoint), or an STS interface VPC endpoint's name.
 */
const SUFFIXES = ['amazonaws.com', 'amazonaws.com.cn', 'api.aws', 'amazonaws.eu', 'c2s.ic.gov', 'sc2s.sgov.gov', 'cloud.adc-e.uk', 'csp.hci.ic.gov'];
const SUFFIX = `(?:${SUFFIXES.map((s) => s.replace(/\./g, '\\.')).join('|')})`;
const REGION = '[a-z]{2,4}(?:-[a-z]+)+-\\d+';
const STS_HOST = new RegExp(`^(?:sts\\.amazonaws\\.com|sts(?:-fips)?\\.${REGION}\\.${SUFFIX}|vpce-[a-z0-9-]+\\.sts(?:-fips)?\\.${REGION}\\.vpce\\.${SUFFIX})$`);

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export function isAwsStsHost(host: string): boolean {
  return STS_HOST.test(host);
}

/** One `allowed-sts-endpoints` entry: a host name, `*.` + a domain (its subdomains), or a URL whose host is taken. */
export function parseAllowedHost(entry: string): string {
  const host = entry.includes('://') ? hostOf(entry) : entry.toLowerCase().replace(/\.$/, '');
  if (host === undefined || !/^(?:\*\.)?(?:[a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/.test(host)) {
    throw new InputError('allowed-sts-endpoints', `"${entry}" is not a host name (e.g. sts.example.com or *.example.com)`);
  }
  return host;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return undefined;
  }
}

/** Why `url` may not receive a token, or undefined when it may. */
export function endpointProblem(url: string, allowed: readonly string[]): string | undefined {
  const chars = forbiddenCharProblem(url);
  if (chars) return `the endpoint ${chars}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not a URL`;
  }
  const host = parsed.hostname.toLowerCase().replace(/\.$/, '');
  const listed = allowed.some((entry) => (entry.startsWith('*.') ? host.endsWith(entry.slice(1)) : host === entry));
  if (listed || isLoopbackHost(host)) return undefined;
  if (isAwsStsHost(host)) return parsed.protocol === 'https:' ? undefined : `"${url}" is not HTTPS`;
  return `"${url}" is not an AWS STS endpoint or loopback, so the web identity token would go to ${host}; list the host in the 'allowed-sts-endpoints' input if it is yours`;
}

/**
 * The first endpoint of the plan that may not be used, as the error a run fails with; undefined when
 * every target's endpoint is trusted. `trusted` is the `sts-endpoint` input.
 */
export function untrustedEndpoint(plan: Plan, opts: { trusted?: string; allowed: readonly string[]; env: NodeJS.ProcessEnv }): UserError | undefined {
  const fromEnv = envEndpoint(opts.env);
  for (const target of plan.targets) {
    const url = target.stsEndpoint ?? plan.stsEndpoint;
    if (url !== undefined && url === opts.trusted && target.stsEndpointOrigin === undefined) continue;
    if (url !== undefined) {
      const problem = endpointProblem(url, opts.allowed);
      if (problem) return new ConfigError('UntrustedEndpoint', `endpoint_url ${problem}`, target.stsEndpointOrigin);
      continue;
    }
    if (fromEnv) {
      const problem = endpointProblem(fromEnv.url, opts.allowed);
      if (problem) return new UserError(`Environment variable ${fromEnv.name}: ${problem}`);
    }
  }
  return undefined;
}

/** The variable the STS client falls back to (src/sts/client.ts endpointFor); an empty one counts as unset. */
function envEndpoint(env: NodeJS.ProcessEnv): { name: string; url: string } | undefined {
  for (const name of ['AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL']) {
    const url = env[name];
    if (url) return { name, url };
  }
  return undefined;
}
