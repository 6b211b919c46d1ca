/**
 * Variant 1 of scripts/bench-sts-client.ts: one AssumeRole the way src/sts/client.ts makes it today
 * (@aws-sdk/client-sts over @smithy/node-http-handler, SDK retries off). Bundled by the bench, run cold.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

export async function assumeRoleOnce(o: { endpoint: string; region: string; keyId: string; secret: string; roleArn: string }): Promise<string> {
  const handler = new NodeHttpHandler({
    connectionTimeout: 3000,
    requestTimeout: 10000,
    throwOnRequestTimeout: true,
    httpAgent: new HttpAgent({ keepAlive: true }),
    httpsAgent: new HttpsAgent({ keepAlive: true }),
  });
  const sts = new STSClient({
    region: o.region,
    endpoint: o.endpoint,
    maxAttempts: 1,
    credentials: { accessKeyId: o.keyId, secretAccessKey: o.secret },
    requestHandler: handler,
    customUserAgent: 'aws-assume-chain',
  });
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: o.roleArn, RoleSessionName: 'bench', DurationSeconds: 900 }));
  handler.destroy();
  return out.AssumedRoleUser?.Arn ?? '';
}
