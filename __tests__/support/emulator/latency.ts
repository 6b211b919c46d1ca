/**
 * Simulated network latency for the emulator and the OIDC stand-in: on loopback every round trip is well
 * under a millisecond, which hides what a runner pays for each real one (the OIDC token request, each STS
 * call). A delay holds the answer back; the request is handled as usual.
 *
 * Written as `oidc=80,sts=40` (milliseconds), the same in `scripts/emulator.ts --latency` and the bench's
 * BENCH_LATENCY.
 */
export interface Latency {
  /** Delay of every answer of the token endpoint (`/_apis/idtoken`), ms. */
  readonly oidcMs: number;
  /** Delay of every STS answer (success and error alike), ms. */
  readonly stsMs: number;
}

export const NO_LATENCY: Latency = { oidcMs: 0, stsMs: 0 };

/** Longest delay accepted: a minute is already far beyond any real round trip. */
const MAX_DELAY_MS = 60_000;

/** `oidc=80,sts=40` → delays; either part may be left out (0). Throws one line naming the bad part. */
export function parseLatency(text: string): Latency {
  const out = { oidcMs: 0, stsMs: 0 };
  const seen = new Set<string>();
  for (const part of text.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const m = /^(oidc|sts)=(\d{1,5})$/.exec(part);
    const ms = m ? Number(m[2]) : NaN;
    if (!m || ms > MAX_DELAY_MS) {
      throw new Error(`latency "${part}": expected oidc=MS or sts=MS with MS a whole number 0..${MAX_DELAY_MS}`);
    }
    if (seen.has(m[1]!)) throw new Error(`latency "${part}": ${m[1]} given twice`);
    seen.add(m[1]!);
    if (m[1] === 'oidc') out.oidcMs = ms;
    else out.stsMs = ms;
  }
  return out;
}

export const formatLatency = (l: Latency): string => `oidc=${l.oidcMs},sts=${l.stsMs}`;
