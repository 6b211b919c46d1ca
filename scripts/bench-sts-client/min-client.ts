/**
 * Variant 3 of scripts/bench-sts-client.ts: lean-client.ts with SigV4 written out on node:crypto
 * (no @smithy/signature-v4), to show what the signer package itself costs. A measuring prototype.
 */
import { createHash, createHmac } from 'node:crypto';

const sha256hex = (s: string) => createHash('sha256').update(s).digest('hex');
const hmac = (key: string | Buffer, s: string) => createHmac('sha256', key).update(s).digest();
const field = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

/** SigV4 headers for a form POST to `url` (AWS's documented algorithm: canonical request, scope, HMAC chain). */
function sign(url: URL, body: string, region: string, keyId: string, secret: string, now = new Date()): Record<string, string> {
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', host: url.host, 'x-amz-date': amzDate };
  const names = Object.keys(headers).sort();
  const canonical = ['POST', url.pathname || '/', '', ...names.map((n) => `${n}:${headers[n]}`), '', names.join(';'), sha256hex(body)].join('\n');
  const scope = `${day}/${region}/sts/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), 'sts'), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return {
    ...headers,
    'user-agent': 'aws-assume-chain',
    authorization: `AWS4-HMAC-SHA256 Credential=${keyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}

export async function assumeRoleOnce(o: { endpoint: string; region: string; keyId: string; secret: string; roleArn: string }): Promise<string> {
  const url = new URL(o.endpoint);
  const body = new URLSearchParams({
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: o.roleArn,
    RoleSessionName: 'bench',
    DurationSeconds: '900',
  }).toString();
  const headers = sign(url, body, o.region, o.keyId, o.secret);
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const xml = await new Promise<string>((resolve, reject) => {
    const req = request({ method: 'POST', host: url.hostname, port: url.port, path: url.pathname || '/', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('error', reject);
    req.end(body);
  });
  const code = field(xml, 'Code');
  if (code) throw new Error(`${code}: ${field(xml, 'Message') ?? ''}`);
  return field(xml, 'Arn') ?? '';
}
