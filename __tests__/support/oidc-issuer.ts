/**
 * A stand-in for GitHub's Actions OIDC token service, on 127.0.0.1. Development/test only.
 *
 *  - `GET /.well-known/openid-configuration`, `GET /.well-known/jwks`: discovery for verifiers (the STS emulator).
 *  - `GET /_apis/idtoken?api-version=2.0[&audience=AUD]` with `Authorization: Bearer <requestToken>`: what
 *    `@actions/core`'s `getIDToken(aud)` calls (it reads the URL from ACTIONS_ID_TOKEN_REQUEST_URL and the bearer from
 *    ACTIONS_ID_TOKEN_REQUEST_TOKEN); answers `{"value": "<JWT>"}`; 401 for a missing or wrong bearer.
 *
 * Tokens are RS256 JWTs with a `kid`, carrying GitHub's claim set. Without an `audience` parameter the `aud` claim is the
 * repository owner's URL (`https://github.com/OWNER`), as GitHub does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback.js';
import { createSign, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';

/** GitHub Actions OIDC claims (https://docs.github.com/en/actions/reference/openid-connect-reference). */
export interface Claims {
  iss: string;
  aud: string | string[];
  sub: string;
  repository: string;
  repository_owner: string;
  repository_owner_id: string;
  repository_id: string;
  repository_visibility: string;
  ref: string;
  ref_type: string;
  ref_protected: string;
  sha: string;
  actor: string;
  actor_id: string;
  workflow: string;
  workflow_ref: string;
  workflow_sha: string;
  job_workflow_ref: string;
  job_workflow_sha: string;
  event_name: string;
  head_ref: string;
  base_ref: string;
  run_id: string;
  run_number: string;
  run_attempt: string;
  runner_environment: string;
  /** Present only for jobs that use an environment; switches `sub` to `repo:O/R:environment:NAME`. */
  environment?: string;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  [extra: string]: unknown;
}

export interface OidcIssuerOptions {
  /** Overrides for every minted token (on top of the defaults below). */
  claims?: Partial<Claims>;
  /** Token lifetime in seconds (default 300). Negative ⇒ tokens are minted already expired. */
  lifetimeSeconds?: number;
  port?: number;
  /** Bearer the token endpoint requires (default: random). */
  requestToken?: string;
  /** Clock in epoch ms (default Date.now). */
  now?: () => number;
  /** Hold every token-endpoint answer back this long (ms), as a network round trip would; default 0. */
  responseDelayMs?: number;
}

export interface OidcIssuer {
  /** `http://127.0.0.1:PORT`, also the `iss` claim. */
  readonly url: string;
  /** Value for ACTIONS_ID_TOKEN_REQUEST_URL: `${url}/_apis/idtoken?api-version=2.0`. */
  readonly requestUrl: string;
  /** Value for ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  readonly requestToken: string;
  /** Both variables, ready to spread into a child's env. */
  readonly env: { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string };
  /** Key id in every token header and in the JWKS. */
  readonly kid: string;
  /** Every JWT minted so far (for leak checks). */
  readonly tokens: readonly string[];
  /** Number of token-endpoint requests received (including refused ones). */
  readonly requests: number;
  /** Each token-endpoint request: the audience asked for (null if none) and the status answered. */
  readonly tokenRequests: readonly { audience: string | null; status: number }[];
  /** Mint a token directly (recorded in `tokens`). */
  mint(claimsOverride?: Partial<Claims>): string;
  /** The claims a token would get, without signing (for assertions). */
  claimsFor(claimsOverride?: Partial<Claims>): Claims;
  /** Fail the next `count` token requests with `status` (-1 = all). */
  setFault(fault: { status: number; count: number } | null): void;
  /** Lifetime of tokens minted from now on; negative ⇒ already expired. */
  setLifetime(seconds: number): void;
  /** Delay of every token-endpoint answer from now on (ms; 0 = none): simulated network latency. */
  setResponseDelay(ms: number): void;
  /** The public JWKS document. */
  jwks(): { keys: Record<string, unknown>[] };
  close(): Promise<void>;
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export const DEFAULT_CLAIMS = {
  repository: 'octo-org/octo-repo',
  repository_owner: 'octo-org',
  repository_owner_id: '65432100',
  repository_id: '12345678',
  repository_visibility: 'private',
  ref: 'refs/heads/main',
  ref_type: 'branch',
  ref_protected: 'true',
  sha: '0f3c59a6d0d3b4a1c8e2f1b7a9d6e5c4b3a29180',
  actor: 'octocat',
  actor_id: '583231',
  workflow: 'CI',
  event_name: 'push',
  head_ref: '',
  base_ref: '',
  run_id: '8123456789',
  run_number: '42',
  run_attempt: '1',
  runner_environment: 'github-hosted',
} as const;

/** `sub` as GitHub derives it by default. */
export function githubSubject(c: Pick<Claims, 'repository' | 'ref' | 'event_name'> & { environment?: string }): string {
  if (c.environment) return `repo:${c.repository}:environment:${c.environment}`;
  if (c.event_name === 'pull_request' || c.event_name === 'pull_request_target') return `repo:${c.repository}:pull_request`;
  return `repo:${c.repository}:ref:${c.ref}`;
}

export async function startOidcIssuer(opts: OidcIssuerOptions = {}): Promise<OidcIssuer> {
  const now = opts.now ?? Date.now;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(8).toString('hex');
  const requestToken = opts.requestToken ?? randomBytes(24).toString('base64url');
  const tokens: string[] = [];
  const tokenRequests: { audience: string | null; status: number }[] = [];
  let lifetime = opts.lifetimeSeconds ?? 300;
  let fault: { status: number; count: number } | null = null;
  let url = '';
  // Only the token endpoint is delayed: discovery and JWKS are what STS fetches, inside its own latency.
  let delayMs = opts.responseDelayMs ?? 0;
  const timers = new Set<NodeJS.Timeout>();

  const jwks = (): { keys: Record<string, unknown>[] } => ({
    keys: [{ ...(publicKey as KeyObject).export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }],
  });

  function claimsFor(override: Partial<Claims> = {}): Claims {
    const merged = { ...DEFAULT_CLAIMS, ...opts.claims, ...override };
    const repository = merged.repository;
    // The owner follows the repository unless set explicitly.
    const owner = override.repository_owner ?? opts.claims?.repository_owner ?? repository.split('/')[0]!;
    const nowSec = Math.floor(now() / 1000);
    const exp = nowSec + lifetime;
    const iat = lifetime > 0 ? nowSec : exp - 300;
    const workflowPath = `${repository}/.github/workflows/ci.yml@${merged.ref}`;
    const c: Claims = {
      jti: randomUUID(),
      sub: githubSubject({
        repository,
        ref: merged.ref,
        event_name: merged.event_name,
        ...(merged.environment !== undefined ? { environment: merged.environment } : {}),
      }),
      aud: `https://github.com/${owner}`,
      workflow_ref: workflowPath,
      workflow_sha: merged.sha,
      job_workflow_ref: workflowPath,
      job_workflow_sha: merged.sha,
      iss: url,
      nbf: iat - 5,
      iat,
      exp,
      ...merged,
      repository_owner: owner,
    } as Claims;
    if (c.environment === undefined) delete c.environment;
    return c;
  }

  function mint(override: Partial<Claims> = {}): string {
    const header = { typ: 'JWT', alg: 'RS256', kid };
    const payload = claimsFor(override);
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    const sig = createSign('RSA-SHA256').update(input).sign(privateKey);
    const jwt = `${input}.${b64url(sig)}`;
    tokens.push(jwt);
    return jwt;
  }

  function send(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const u = new URL(req.url ?? '/', url);
    if (req.method === 'GET' && u.pathname === '/.well-known/openid-configuration') {
      send(res, 200, {
        issuer: url,
        jwks_uri: `${url}/.well-known/jwks`,
        subject_types_supported: ['public', 'pairwise'],
        response_types_supported: ['id_token'],
        claims_supported: [
          'sub',
          'aud',
          'exp',
          'iat',
          'iss',
          'jti',
          'nbf',
          'ref',
          'repository',
          'repository_owner',
          'run_id',
          'run_number',
          'run_attempt',
          'actor',
          'workflow',
          'event_name',
          'ref_type',
          'environment',
          'job_workflow_ref',
          'sha',
        ],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid'],
      });
      return;
    }
    if (req.method === 'GET' && u.pathname === '/.well-known/jwks') {
      send(res, 200, jwks());
      return;
    }
    if (u.pathname === '/_apis/idtoken') {
      const audience = u.searchParams.get('audience');
      const answer = (status: number, body: unknown): void => {
        tokenRequests.push({ audience, status });
        send(res, status, body);
      };
      if (req.method !== 'GET') {
        answer(405, { message: 'method not allowed' });
        return;
      }
      if (req.headers.authorization !== `Bearer ${requestToken}`) {
        answer(401, { message: 'Unauthorized: missing or invalid bearer token' });
        return;
      }
      if (fault && fault.count !== 0) {
        if (fault.count > 0) fault.count -= 1;
        answer(fault.status, { message: `injected fault ${fault.status}` });
        return;
      }
      answer(200, { value: mint(audience ? { aud: audience } : {}) });
      return;
    }
    send(res, 404, { message: 'not found' });
  }

  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      handle(req, res);
    } catch (e) {
      send(res, 500, { message: String(e) });
    }
  };

  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (delayMs <= 0 || !(req.url ?? '').startsWith('/_apis/idtoken')) {
        answer(req, res);
        return;
      }
      const t = setTimeout(() => {
        timers.delete(t);
        answer(req, res);
      }, delayMs);
      timers.add(t);
    });
  });
  const loopback = await listenOnLoopback(server, opts.port ?? 0);
  url = loopback.url;
  const requestUrl = `${url}/_apis/idtoken?api-version=2.0`;

  return {
    url,
    requestUrl,
    requestToken,
    env: { ACTIONS_ID_TOKEN_REQUEST_URL: requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken },
    kid,
    tokens,
    get requests() {
      return tokenRequests.length;
    },
    tokenRequests,
    mint,
    claimsFor,
    setFault(f) {
      fault = f ? { ...f } : null;
    },
    setLifetime(seconds) {
      lifetime = seconds;
    },
    setResponseDelay(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new Error(`setResponseDelay: not a delay: ${ms}`);
      delayMs = ms;
    },
    jwks,
    close: () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      return loopback.close();
    },
  };
}
