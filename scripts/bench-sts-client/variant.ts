// The variant scripts/bench-sts-client.ts bundles in place of this file (sdk-client.ts or lean-client.ts).
export { assumeRoleOnce } from './sdk-client.js';
