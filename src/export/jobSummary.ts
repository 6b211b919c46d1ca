/** The job summary is a courtesy: a runner without a writable summary file must not fail the step. */
import * as core from '../base/runner.js';

export function writeJobSummary(markdown: string): void {
  try {
    core.appendSummary(markdown);
  } catch (err) {
    core.warning(`Could not write the job summary: ${err instanceof Error ? err.message : String(err)}`);
  }
}
