/** Injected faults: delay, hang, or an error code, per role ARN or for every call (`*`). */
import type { Fault } from '../world.js';
import { DEFAULT_FAULT_MESSAGE, ERROR_STATUS, Hang, StsError } from './errors.js';
import type { EmulatorState } from './state.js';

/** Spends one use of the fault this call meets (the role's first, then `*`); throws its error or Hang. */
export async function applyFault(state: EmulatorState, key: string | undefined): Promise<Fault | undefined> {
  for (const k of [key, '*']) {
    if (k === undefined) continue;
    const f = state.faults.get(k);
    if (!f || f.count === 0) continue;
    if (f.count > 0 && Number.isFinite(f.count)) f.count -= 1;
    if (f.delayMs) await state.sleep(f.delayMs);
    if (f.hang) throw new Hang();
    if (f.code) {
      throw new StsError(f.code, f.message ?? DEFAULT_FAULT_MESSAGE[f.code] ?? f.code, f.status ?? ERROR_STATUS[f.code] ?? 400, true);
    }
    return f;
  }
  return undefined;
}
