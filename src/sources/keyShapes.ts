/**
 * The shapes AWS credentials have, checked wherever credentials arrive from outside (an STS reply, a
 * credential_process, the container or instance endpoint) before they are used or written anywhere:
 * a value with a line break or a space could add lines to an env or profile file.
 */
import type { AwsCredentials } from '../base/types.js';

// AWS documents AccessKeyId as 16–128 word characters. Secrets and tokens are base64 in AWS (JWT-like
// on some STS-compatible servers), so their alphabet is base64 plus the URL-safe and JWT characters.
const ACCESS_KEY_ID = /^\w{16,128}$/;
const SECRET_ACCESS_KEY = /^[A-Za-z0-9/+=._-]{16,256}$/;
const SESSION_TOKEN = /^[A-Za-z0-9/+=._-]{16,16384}$/;

/** Printable ASCII without spaces: what any key must be, whoever issued it, to be written safely. */
const PRINTABLE = /^[\x21-\x7e]{1,16384}$/;

/**
 * What is wrong with the keys (never quoting them: they may be real), or undefined when they look
 * right. `strict` (an STS reply): AWS's own shapes. Otherwise (a credential_process or a metadata
 * endpoint, which local tools and emulators fill with keys of their own making): printable, no spaces.
 */
export function keyShapeProblem(creds: Pick<AwsCredentials, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>, strict = true): string | undefined {
  const shapes = strict ? [ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN] : [PRINTABLE, PRINTABLE, PRINTABLE];
  if (!shapes[0]!.test(creds.accessKeyId)) return 'its AccessKeyId does not have the shape of an AWS access key ID';
  if (!shapes[1]!.test(creds.secretAccessKey)) return 'its SecretAccessKey does not have the shape of an AWS secret key';
  if (creds.sessionToken !== undefined && !shapes[2]!.test(creds.sessionToken)) return 'its SessionToken does not have the shape of an AWS session token';
  return undefined;
}
