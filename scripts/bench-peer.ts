/**
 * BENCH_PEER=<dir>: configure-aws-credentials (a directory holding its published action.yml and dist/) run
 * as a workflow step runs it — `node dist/index.js` with INPUT_* from its action.yml's defaults and ours,
 * its `sts-endpoint` input pointing at the emulator — for the bench's rows (a)–(c). Its (c) is three steps
 * with `role-chaining: true`: each later step signs with the credentials the earlier one exported to
 * GITHUB_ENV, which the runner harness carries to the next step.
 *
 * STS calls it makes (from the emulator's log, all must succeed — a refused call would trip its retries
 * and time those instead): (a) AssumeRoleWithWebIdentity + GetCallerIdentity; (b) GetCallerIdentity,
 * AssumeRole, GetCallerIdentity; (c) the two of (a), then three per chained step.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';
import { DEPLOY, HUB, TARGET, USER, type Scenario } from '../__tests__/support/scenario.js';
import type { StepSpec } from './bench-run.js';

export interface Peer {
  name: string;
  entry: string;
  actionYml: string;
}

/** The peer in `dir`, or an error naming what is missing. */
export function loadPeer(dir: string): Peer {
  const root = path.resolve(dir);
  const entry = path.join(root, 'dist', 'index.js');
  const actionYml = path.join(root, 'action.yml');
  for (const f of [actionYml, entry]) {
    if (!fs.existsSync(f))
      throw new Error(`BENCH_PEER=${dir}: ${path.relative(root, f)} is missing (expected a published action: action.yml and dist/index.js)`);
  }
  const yml = load(fs.readFileSync(actionYml, 'utf8')) as { name?: unknown } | undefined;
  const name = typeof yml?.name === 'string' ? yml.name : path.basename(root);
  return { name, entry, actionYml };
}

export interface PeerRow {
  /** which of our rows it stands beside: 'a', 'b' or 'c' */
  of: 'a' | 'b' | 'c';
  label: string;
  expectedCalls: number;
  steps: () => StepSpec[];
}

export function peerRows(s: Scenario, peer: Peer): PeerRow[] {
  const step = (inputs: Record<string, string>, env: Record<string, string>): StepSpec => ({
    entry: peer.entry,
    actionYml: peer.actionYml,
    inputs: { 'aws-region': 'us-east-1', 'sts-endpoint': s.sts.url, ...inputs },
    env,
  });
  // No AWS_ENDPOINT_URL_STS: the peer is pointed at the emulator by its own input only.
  const oidc = () => ({ ...s.oidc.env });
  return [
    { of: 'a', label: 'peer (a) OIDC → one role', expectedCalls: 2, steps: () => [step({ 'role-to-assume': HUB }, oidc())] },
    {
      of: 'b',
      label: 'peer (b) access keys → one role',
      expectedCalls: 3,
      steps: () => [step({ 'aws-access-key-id': USER.accessKeyId, 'aws-secret-access-key': USER.secretAccessKey, 'role-to-assume': HUB }, {})],
    },
    {
      of: 'c',
      label: 'peer (c) 3 steps, `role-chaining: true`',
      expectedCalls: 8,
      steps: () => [
        step({ 'role-to-assume': HUB }, oidc()),
        step({ 'role-to-assume': DEPLOY, 'role-external-id': 'deploy-ext-42', 'role-chaining': 'true' }, oidc()),
        step({ 'role-to-assume': TARGET, 'role-chaining': 'true' }, oidc()),
      ],
    },
  ];
}
