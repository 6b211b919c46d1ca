import { run } from './main.js';

// The runner starts the step with no arguments; a refreshing profile's credential_process adds them.
// The helper is imported on use, so the step never compiles it.
if (process.argv[2] === 'credential-process') await (await import('./refresh/credentialProcess.js')).runCredentialProcess(process.argv.slice(3));
else await run();
// Leave no hung socket or timer behind the step: the result is decided. Nothing printed is lost:
// runner.ts writes every line synchronously, so no output is still queued at this point.
process.exit();
