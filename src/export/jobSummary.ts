/** The job summary is a courtesy: a runner without a writable summary file must not fail the step. */
import * as core from '@actions/core';

export async function writeJobSummary(markdown: string): Promise<void> {
  try {
    await core.summary.addRaw(markdown, true).write();
  } catch (err) {
    core.summary.emptyBuffer();
    core.warning(`Could not write the job summary: ${err instanceof Error ? err.message : String(err)}`);
  }
}
