/**
 * Stands in for @aws-sdk/credential-provider-node in the bundle (tsconfig.json "paths"; ncc resolves
 * through it). The STS client's runtime config imports the SDK's default credential chain (ini, SSO,
 * process, IMDS… with clients of their own, a fifth of the SDK's code), but this action never lets
 * it run: AssumeRole and GetCallerIdentity are signed with the credentials client.ts passes, and
 * AssumeRoleWithWebIdentity is unsigned. Should the SDK ever ask, it gets this error, not a search
 * of the runner's files and metadata services for credentials nobody chose.
 */
export function defaultProvider(): () => Promise<never> {
  return async () => {
    throw new Error('the SDK asked for default credentials; aws-assume-chain always passes the credentials to sign with');
  };
}
