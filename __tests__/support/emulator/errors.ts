/** STS errors: codes, HTTP statuses and the message texts AWS sends (where known). */

/** HTTP status AWS answers with, by error code. */
export const ERROR_STATUS: Readonly<Record<string, number>> = {
  AccessDenied: 403,
  ValidationError: 400,
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
  IncompleteSignature: 400,
  MissingAuthenticationToken: 403,
  ExpiredToken: 400,
  InvalidIdentityToken: 400,
  ExpiredTokenException: 400,
  IDPRejectedClaim: 403,
  IDPCommunicationError: 400,
  MalformedPolicyDocument: 400,
  PackedPolicyTooLarge: 400,
  RegionDisabledException: 403,
  Throttling: 400,
  InvalidAction: 400,
  InternalFailure: 500,
  ServiceUnavailable: 503,
};

export const DEFAULT_FAULT_MESSAGE: Readonly<Record<string, string>> = {
  Throttling: 'Rate exceeded',
  InternalFailure: 'The request processing has failed because of an unknown error, exception or failure.',
  ServiceUnavailable: 'The request has failed due to a temporary failure of the server.',
  IDPCommunicationError: "Couldn't contact your identity provider. Retry the request.",
  IDPRejectedClaim: 'The identity provider rejected the claims in the web identity token.',
  AccessDenied: 'Access denied',
};

export class StsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = ERROR_STATUS[code] ?? 400,
    /** A fault's text: sent character for character (xmlVerbatim), as a hostile server could. */
    readonly verbatim = false,
  ) {
    super(message);
  }
}

export const MSG_INVALID_TOKEN = 'The security token included in the request is invalid.';
export const MSG_EXPIRED_TOKEN = 'The security token included in the request is expired';
export const MSG_BAD_SIGNATURE =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
export const MSG_CHAINING_LIMIT = 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.';
export const MSG_MAX_SESSION = 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.';
export const MSG_WEB_IDENTITY_DENIED = 'Not authorized to perform sts:AssumeRoleWithWebIdentity';
export const MSG_NO_VERIFICATION_KEY =
  "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements";
export const MSG_MFA_BAD_CODE = 'MultiFactorAuthentication failed with invalid MFA one time pass code. ';

export const denied = (caller: string, action: string, resource: string): StsError =>
  new StsError('AccessDenied', `User: ${caller} is not authorized to perform: ${action} on resource: ${resource}`);

/** Thrown internally for a hang fault: the request is never answered. */
export class Hang extends Error {}
