/**
 * HTTP proxies for every request the action makes (STS, the GitHub token service, container and
 * instance credentials are left to their own providers). Node 24.5+ agents route through a proxy given
 * as `proxyEnv` (HTTP_PROXY / HTTPS_PROXY / NO_PROXY, with NO_PROXY's usual host, `.suffix`, `host:port`
 * and `*` forms), so no proxy library is bundled. The `http-proxy` input wins over the environment,
 * as configure-aws-credentials' does, and `no-proxy` over NO_PROXY.
 */
import type { AgentOptions } from 'node:http';

/** The variables a Node agent's `proxyEnv` reads. */
export type ProxyEnv = Readonly<{ HTTP_PROXY?: string; HTTPS_PROXY?: string; NO_PROXY?: string }>;

export interface ProxyInputs {
  readonly httpProxy?: string;
  readonly noProxy?: string;
}

/** The proxy configuration, or undefined when no proxy is configured (requests then go direct). */
export function proxyEnvFrom(inputs: ProxyInputs, env: NodeJS.ProcessEnv): ProxyEnv | undefined {
  const pick = (...names: string[]) => names.map((n) => env[n]).find((v) => v !== undefined && v !== '');
  const httpsProxy = inputs.httpProxy ?? pick('https_proxy', 'HTTPS_PROXY');
  const httpProxy = inputs.httpProxy ?? pick('http_proxy', 'HTTP_PROXY');
  if (!httpsProxy && !httpProxy) return undefined;
  const noProxy = inputs.noProxy ?? pick('no_proxy', 'NO_PROXY');
  return {
    ...(httpProxy ? { HTTP_PROXY: httpProxy } : {}),
    ...(httpsProxy ? { HTTPS_PROXY: httpsProxy } : {}),
    ...(noProxy ? { NO_PROXY: noProxy } : {}),
  };
}

/** Node learnt `proxyEnv` in 24.5; older runtimes ignore it and would connect directly. */
export function nodeSupportsProxyEnv(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 24 || (major === 24 && minor >= 5);
}

/** Options for a keep-alive agent that goes through the proxy when one is configured (pure: callers load node:http(s) when they need it). */
export function agentOptions(proxyEnv: ProxyEnv | undefined): AgentOptions & { proxyEnv?: ProxyEnv } {
  return { keepAlive: true, maxSockets: 50, ...(proxyEnv ? { proxyEnv } : {}) };
}
