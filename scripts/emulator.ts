/**
 * Standalone local STS emulator + GitHub OIDC token-service stand-in (development/test only).
 *
 *   tsx scripts/emulator.ts --world __tests__/fixtures/world.json [--port N] [--oidc-port N] [--log FILE]
 *                           [--request-token TOKEN] [--claim NAME=VALUE]... [--latency oidc=MS,sts=MS]
 *
 * `--claim` sets a claim of every GitHub OIDC token the stand-in mints (repository, ref, environment, event_name,
 * …; `sub` follows from them as GitHub derives it). Roles in the world may give an IAM trust policy
 * (`trustPolicy` / `trustPolicyFile`) instead of `trust`; `token.actions.githubusercontent.com` in it means the
 * stand-in. `--latency` holds back every OIDC token answer and every STS answer that many milliseconds, as a
 * network round trip would (loopback has none). docs/emulator.md describes the world format.
 *
 * Starts the OIDC stand-in first, fills `${OIDC_ISSUER}` in the world file with its URL, starts the STS emulator, then
 * prints one JSON line on stdout:
 *   {"sts":"http://127.0.0.1:P","oidcIssuer":"http://127.0.0.1:Q","idTokenRequestUrl":"…","idTokenRequestToken":"…",
 *    "imds":"http://127.0.0.1:P","pid":123}
 * and runs until SIGTERM or SIGINT (exit 0). Bad arguments or world: message on stderr, exit 2.
 */
import { parseArgs } from 'node:util';
import { resolveWorld } from '../__tests__/support/world.js';
import { GITHUB_OIDC_HOST, readWorldWithPolicies } from '../__tests__/support/trust-policy.js';
import { DEFAULT_CLAIMS, type Claims } from '../__tests__/support/oidc-issuer.js';
import { startStsEmulator } from '../__tests__/support/sts-emulator.js';
import { startOidcIssuer } from '../__tests__/support/oidc-issuer.js';
import { NO_LATENCY, parseLatency, type Latency } from '../__tests__/support/emulator/latency.js';

const USAGE =
  'usage: tsx scripts/emulator.ts --world FILE [--port N] [--oidc-port N] [--log FILE] [--request-token TOKEN] [--claim NAME=VALUE]... [--latency oidc=MS,sts=MS]';

/** Claims a user may set: GitHub's string claims (sub, iss, aud and the times are derived, not set). */
const SETTABLE_CLAIMS = new Set([...Object.keys(DEFAULT_CLAIMS), 'environment']);

/** `--claim name=value` list → claim overrides; throws on an unknown name or a missing `=`. */
function parseClaims(args: readonly string[]): Partial<Claims> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : '';
    if (!SETTABLE_CLAIMS.has(name)) {
      throw new Error(`--claim ${a}: expected NAME=VALUE with NAME one of ${[...SETTABLE_CLAIMS].sort().join(', ')}`);
    }
    out[name] = a.slice(eq + 1);
  }
  return out as Partial<Claims>;
}

async function main(): Promise<void> {
  let values: {
    world?: string;
    port?: string;
    'oidc-port'?: string;
    log?: string;
    'request-token'?: string;
    claim?: string[];
    latency?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      options: {
        world: { type: 'string' },
        port: { type: 'string' },
        'oidc-port': { type: 'string' },
        log: { type: 'string' },
        'request-token': { type: 'string' },
        claim: { type: 'string', multiple: true },
        latency: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!values.world) {
    process.stderr.write(`--world is required\n${USAGE}\n`);
    process.exit(2);
  }
  const port = (s: string | undefined, name: string): number => {
    const n = s === undefined ? 0 : Number(s);
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      process.stderr.write(`--${name}: not a port: ${s}\n`);
      process.exit(2);
    }
    return n;
  };
  const stsPort = port(values.port, 'port');
  const oidcPort = port(values['oidc-port'], 'oidc-port');

  let claims: Partial<Claims>;
  try {
    claims = parseClaims(values.claim ?? []);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  let latency: Latency = NO_LATENCY;
  try {
    if (values.latency !== undefined) latency = parseLatency(values.latency);
  } catch (e) {
    process.stderr.write(`--latency: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const issuer = await startOidcIssuer({
    port: oidcPort,
    claims,
    responseDelayMs: latency.oidcMs,
    ...(values['request-token'] !== undefined ? { requestToken: values['request-token'] } : {}),
  });
  let world: ReturnType<typeof resolveWorld>;
  try {
    const raw = readWorldWithPolicies(values.world, { issuers: { [GITHUB_OIDC_HOST]: issuer.url } });
    world = resolveWorld(raw, { OIDC_ISSUER: issuer.url });
  } catch (e) {
    await issuer.close();
    process.stderr.write(`cannot load world ${values.world}: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const sts = await startStsEmulator({ world, port: stsPort, responseDelayMs: latency.stsMs, ...(values.log ? { logFile: values.log } : {}) });

  process.stdout.write(
    `${JSON.stringify({
      sts: sts.url,
      oidcIssuer: issuer.url,
      idTokenRequestUrl: issuer.requestUrl,
      idTokenRequestToken: issuer.requestToken,
      imds: sts.url,
      pid: process.pid,
      sub: issuer.claimsFor().sub,
    })}\n`,
  );

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void Promise.all([sts.close(), issuer.close()]).then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`emulator: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
