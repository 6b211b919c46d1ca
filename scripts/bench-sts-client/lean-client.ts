/**
 * Variant 2 of scripts/bench-sts-client.ts: the same AssumeRole from lower-level parts — SigV4 from
 * @smithy/signature-v4 with node:crypto hashing, the STS Query protocol (a form POST, Version
 * 2011-06-15) over node:http(s), the XML reply read for the fields src/sts uses. A measuring
 * prototype: it has none of src/net's bounds or src/sts's error mapping, which a real switch would keep.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

type Data = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: Data) => (typeof d === 'string' ? d : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : new Uint8Array(d));

class Sha256 {
  private h: Hash | Hmac;
  private readonly secret?: string | Uint8Array;
  constructor(secret?: Data) {
    this.secret = secret === undefined ? undefined : bytes(secret);
    this.h = this.secret ? createHmac('sha256', this.secret) : createHash('sha256');
  }
  update(data: Data): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {
    this.h = this.secret ? createHmac('sha256', this.secret) : createHash('sha256');
  }
}

const field = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

export async function assumeRoleOnce(o: { endpoint: string; region: string; keyId: string; secret: string; roleArn: string }): Promise<string> {
  const url = new URL(o.endpoint);
  const body = new URLSearchParams({
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: o.roleArn,
    RoleSessionName: 'bench',
    DurationSeconds: '900',
  }).toString();
  const signer = new SignatureV4({ service: 'sts', region: o.region, sha256: Sha256, credentials: { accessKeyId: o.keyId, secretAccessKey: o.secret } });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query: {},
    headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'user-agent': 'aws-assume-chain' },
    body,
  });
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const xml = await new Promise<string>((resolve, reject) => {
    const req = request({ method: 'POST', host: url.hostname, port: url.port, path: url.pathname, headers: signed.headers }, (res) => {
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
