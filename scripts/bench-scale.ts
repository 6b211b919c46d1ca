/**
 * The organisation-scale row of `npm run bench`: OIDC → hub → fan-out to 1 000 member accounts,
 * `max-concurrency: 16`, every STS answer 30 ms late, every tenth member's AssumeRole throttled twice
 * (`Throttling`, then success on the third attempt). 1 201 STS calls: 1 001 answered and 200 throttled.
 * The calls alone need 1 201 × 30 ms / 16 ≈ 2.25 s; the target is 4 s for the whole step.
 *
 * Its own emulator world (1 000 roles), so the other rows' runs stay as they were. BENCH_SCALE_RUNS
 * (default 3; 0 = skip the row) runs after the other rows' rounds.
 */
import { ACTION_YML, type Job } from '../__tests__/support/harness.js';
import { HUB, memberRole, Scenario } from '../__tests__/support/scenario.js';
import type { Latency } from '../__tests__/support/emulator/latency.js';
import { RunFailure, runSteps, type RunResult, type StepSpec } from './bench-run.js';

export const SCALE = { members: 1000, stsMs: 30, concurrency: 16, throttleEvery: 10, throttles: 2, targetMs: 4000 } as const;

const throttledMembers = Math.floor(SCALE.members / SCALE.throttleEvery);
export const SCALE_EXPECTED = {
  ok: SCALE.members + 1,
  throttled: throttledMembers * SCALE.throttles,
};
/** What the calls alone take: every call's delay, spread over the concurrency. */
export const SCALE_CALLS_ALONE_MS = ((SCALE_EXPECTED.ok + SCALE_EXPECTED.throttled) * SCALE.stsMs) / SCALE.concurrency;

export const SCALE_LABEL =
  `(g) OIDC → hub → fan-out to ${SCALE.members.toLocaleString('en-US')} accounts, ${SCALE.stsMs} ms per STS call, ` +
  `every ${SCALE.throttleEvery}th throttled ${SCALE.throttles}×, max-concurrency ${SCALE.concurrency}`;

export class ScaleRow {
  private constructor(readonly s: Scenario) {}

  static async start(): Promise<ScaleRow> {
    return new ScaleRow(await Scenario.start({ members: SCALE.members }));
  }

  private steps(): (job: Job) => StepSpec[] {
    const inputs = {
      'aws-region': 'us-east-1',
      'role-to-assume': HUB,
      'max-concurrency': String(SCALE.concurrency),
      'fan-out-roles': Array.from({ length: SCALE.members }, (_, i) => memberRole(i + 1)).join('\n'),
    };
    return () => [{ entry: 'main', actionYml: ACTION_YML, inputs, env: this.s.oidcEnv }];
  }

  /** One run; fails unless every call the emulator logged is one of the expected successes or throttles. */
  async run(extraEnv: Record<string, string> = {}): Promise<RunResult> {
    for (let i = SCALE.throttleEvery; i <= SCALE.members; i += SCALE.throttleEvery) {
      this.s.sts.setFault(memberRole(i), { code: 'Throttling', count: SCALE.throttles });
    }
    const latency: Latency = { oidcMs: 0, stsMs: SCALE.stsMs };
    const r = await runSteps(this.s, SCALE_LABEL, this.steps(), latency, () => extraEnv);
    const ok = r.calls.filter((c) => c.status === 200).length;
    const throttled = r.calls.filter((c) => c.result.errorCode === 'Throttling').length;
    if (ok !== SCALE_EXPECTED.ok || throttled !== SCALE_EXPECTED.throttled || r.calls.length !== ok + throttled) {
      throw new RunFailure(
        `${SCALE_LABEL}: ${ok} answered + ${throttled} throttled of ${r.calls.length} calls, expected ${SCALE_EXPECTED.ok} + ${SCALE_EXPECTED.throttled}`,
      );
    }
    return r;
  }

  stop(): Promise<void> {
    return this.s.stop();
  }
}
