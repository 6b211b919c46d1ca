/** Post step: remove exactly the profile sections this step wrote, blank the credentials it exported, restore prior values. */
import * as core from './runner.js';
import { cleanup } from './cleanup.js';

try {
  await cleanup(process.env);
} catch (err) {
  core.warning(`aws-assume-chain cleanup: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
}
// As in index.ts: every line is already written (synchronously); nothing may keep the step alive.
process.exit();
