/** Post step: remove exactly the profile sections this step wrote, blank the credentials it exported, restore prior values. */
import * as core from './base/runner.js';
import { cleanup } from './cleanup.js';
import * as input from './settings/inputs.js';

try {
  // Post gets main's inputs: with mask-aws-account-id, profile names such as `123456789012-audit` print as `***-audit`.
  if (input.boolean('mask-aws-account-id', false)) core.hideAccountIds([], { anyTwelveDigits: true });
  await cleanup(process.env);
} catch (err) {
  core.warning(`aws-assume-chain cleanup: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
}
// As in index.ts: every line is already written (synchronously); nothing may keep the step alive.
process.exit();
