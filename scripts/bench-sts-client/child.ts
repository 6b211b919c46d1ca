/** The cold process the bench times: load one variant, make one AssumeRole, report CPU and the answer. */
import { assumeRoleOnce } from './variant.js';

const c0 = process.cpuUsage();
const o = JSON.parse(process.env['BENCH_STS'] ?? '{}') as Parameters<typeof assumeRoleOnce>[0];
const arn = await assumeRoleOnce(o);
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ arn, cpuMs: (cpu.user + cpu.system) / 1000, sinceLoadMs: (cpu.user + cpu.system - c0.user - c0.system) / 1000 }));
