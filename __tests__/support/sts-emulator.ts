/**
 * A local AWS STS emulator on 127.0.0.1 speaking the Query API (version 2011-06-15): AssumeRole,
 * AssumeRoleWithWebIdentity, GetCallerIdentity. Development/test only; never imported by `src/`.
 *
 * Requests are SigV4-verified against the world's users and the credentials the emulator issued; roles' trust, external
 * IDs, MFA, session tags, duration limits (including the 1-hour role-chaining limit) and parameter constraints are
 * enforced with AWS's error codes, HTTP statuses and (where known) message texts. Faults can be injected per role.
 *
 * Clocks: credential and token expiry use the emulated clock (`now` option + `advanceClock`); the SigV4 15-minute
 * skew check uses the real clock, since clients sign with the real one (or the `signerClocks` a test names).
 *
 * Also serves, for credential_source tests: `GET /container-credentials/<worldUserAccessKeyId>` (ECS-style) and IMDSv2
 * (`PUT /latest/api/token`, `GET /latest/meta-data/iam/security-credentials/[NAME]`) for `world.instanceMetadata`.
 *
 * This file is the server and the public API; the handlers live in ./emulator/ (one module per action or concern).
 */
import { createServer, type Server } from 'node:http';
import { handleCredentialEndpoint, sendJson } from './emulator/credentialEndpoints.js';
import { EmulatorState } from './emulator/state.js';
import { handleSts } from './emulator/stsActions.js';
import type { StsEmulator, StsEmulatorOptions } from './emulator/types.js';
import { listenOnLoopback } from './loopback.js';

export { base32Decode, globMatch, totp } from './emulator/codes.js';
export { ERROR_STATUS, MSG_CHAINING_LIMIT, MSG_MAX_SESSION, StsError } from './emulator/errors.js';
export { STS_VERSION } from './emulator/stsActions.js';
export type { CallLogEntry, CallResult, CallSigner, IssuedSession, SessionTag, StsEmulator, StsEmulatorOptions } from './emulator/types.js';
export { isoSeconds, STS_NAMESPACE, xmlEscape, xmlVerbatim } from './emulator/xml.js';
export type { Fault, World, WorldRole, WorldUser } from './world.js';

/** Request bodies above this are refused with 413 (no client of the action sends more than a few kB). */
const MAX_BODY = 1024 * 1024;

function createEmulatorServer(state: EmulatorState): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = (req.url ?? '/').split('?')[0]!;
      if (path.startsWith('/container-credentials/') || path.startsWith('/latest/')) {
        try {
          handleCredentialEndpoint(state, req, res, path);
        } catch (e) {
          sendJson(res, 500, { message: String(e) });
        }
        return;
      }
      void handleSts(state, req, res, body);
    });
  });
}

export async function startStsEmulator(opts: StsEmulatorOptions): Promise<StsEmulator> {
  const state = new EmulatorState(opts);
  const loopback = await listenOnLoopback(createEmulatorServer(state), opts.port ?? 0);
  const { port, url } = loopback;
  return {
    url,
    port,
    world: state.world,
    calls: state.calls,
    setFault(roleArn, fault) {
      if (fault) state.faults.set(roleArn, { ...fault });
      else state.faults.delete(roleArn);
    },
    setResponseDelay(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new Error(`setResponseDelay: not a delay: ${ms}`);
      state.responseDelayMs = ms;
    },
    advanceClock(seconds) {
      state.advanceClock(seconds);
    },
    now: () => state.now(),
    clearCalls() {
      state.calls.length = 0;
    },
    issuedSecrets() {
      return [...state.issued.values()].flatMap((s) => [s.secretAccessKey, s.sessionToken, s.accessKeyId]);
    },
    issuedSessions() {
      return [...state.issued.values()];
    },
    containerCredentialsUrl(userAccessKeyId) {
      return `${url}/container-credentials/${encodeURIComponent(userAccessKeyId)}`;
    },
    close: () => {
      for (const t of state.timers) clearTimeout(t);
      return loopback.close();
    },
  };
}
