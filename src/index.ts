import { run } from './main.js';

await run();
// Leave no hung socket or timer behind the step: the result is decided.
process.exit();
