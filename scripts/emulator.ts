/**
 * Standalone local STS emulator + GitHub OIDC token-service stand-in (development/test only).
 *
 *   tsx scripts/emulator.ts --world __tests__/fixtures/world.json [--port N] [--oidc-port N] [--log FILE]
 *                           [--request-token TOKEN]
 *
 * Starts the OIDC stand-in first, fills `${OIDC_ISSUER}` in the world file with its URL, starts the STS emulator, then
 * prints one JSON line on stdout:
 *   {"sts":"http://127.0.0.1:P","oidcIssuer":"http://127.0.0.1:Q","idTokenRequestUrl":"…","idTokenRequestToken":"…",
 *    "imds":"http://127.0.0.1:P","pid":123}
 * and runs until SIGTERM or SIGINT (exit 0). Bad arguments or world: message on stderr, exit 2.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { resolveWorld } from '../__tests__/support/world.js';
import { startStsEmulator } from '../__tests__/support/sts-emulator.js';
import { startOidcIssuer } from '../__tests__/support/oidc-issuer.js';

const USAGE =
  'usage: tsx scripts/emulator.ts --world FILE [--port N] [--oidc-port N] [--log FILE] [--request-token TOKEN]';

async function main(): Promise<void> {
  let values: { world?: string; port?: string; 'oidc-port'?: string; log?: string; 'request-token'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        world: { type: 'string' },
        port: { type: 'string' },
        'oidc-port': { type: 'string' },
        log: { type: 'string' },
        'request-token': { type: 'string' },
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

  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(values.world, 'utf8'));
  } catch (e) {
    process.stderr.write(`cannot read world ${values.world}: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const issuer = await startOidcIssuer({
    port: oidcPort,
    ...(values['request-token'] !== undefined ? { requestToken: values['request-token'] } : {}),
  });
  let world;
  try {
    world = resolveWorld(raw, { OIDC_ISSUER: issuer.url });
  } catch (e) {
    await issuer.close();
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  const sts = await startStsEmulator({ world, port: stsPort, ...(values.log ? { logFile: values.log } : {}) });

  process.stdout.write(
    `${JSON.stringify({
      sts: sts.url,
      oidcIssuer: issuer.url,
      idTokenRequestUrl: issuer.requestUrl,
      idTokenRequestToken: issuer.requestToken,
      imds: sts.url,
      pid: process.pid,
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
