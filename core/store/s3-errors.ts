import { S3ServiceException } from '@aws-sdk/client-s3';
import { OuroError } from '../errors.ts';

/**
 * What the S3 artifact store (s3-artifact-store.ts) makes of the SDK's errors: the ones a
 * person can fix become messages naming the variable to fix; "no such key" is told apart.
 */

/** `bucket` and `where` (the endpoint, or AWS S3 and its region) name what to fix. */
export function explainS3Error(what: string, err: unknown, bucket: string, where: string): unknown {
  const e = err as Error & { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? '';
  const fixable = (message: string) =>
    Object.assign(new OuroError('config_invalid', message, { cause: err }), { status });
  if (name === 'NoSuchBucket' || (name === 'NotFound' && what === 'check the bucket')) {
    return fixable(
      `The bucket "${bucket}" does not exist at ${where}. Create it, or fix OURO_S3_BUCKET / OURO_S3_ENDPOINT.`,
    );
  }
  if (
    [
      'InvalidAccessKeyId',
      'SignatureDoesNotMatch',
      'AccessDenied',
      'InvalidToken',
      'ExpiredToken',
      'Forbidden',
    ].includes(name) ||
    status === 403
  ) {
    return fixable(
      `The object store at ${where} refused the credentials (${name || status}) when trying to ${what} in bucket "${bucket}". Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), and that they may use the bucket.`,
    );
  }
  if (name === 'CredentialsProviderError') {
    return fixable(
      `No credentials for the object store: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) for OURO_STORE=s3.`,
    );
  }
  const network = e.code ?? (e.cause as { code?: string } | undefined)?.code;
  if (network === 'ECONNREFUSED' || network === 'ENOTFOUND' || network === 'EAI_AGAIN') {
    return fixable(
      `Cannot reach the object store at ${where} (${network}) to ${what}. Check OURO_S3_ENDPOINT and that the server is up.`,
    );
  }
  if (err instanceof S3ServiceException) return Object.assign(err, { status });
  return err;
}

export function isNotFound(err: unknown): boolean {
  // A missing bucket was already turned into an OuroError: that is not "no such key".
  if (err instanceof OuroError) return false;
  const e = err as { name?: string; status?: number; $metadata?: { httpStatusCode?: number } };
  return (
    e.name === 'NoSuchKey' || e.name === 'NotFound' || e.status === 404 || e.$metadata?.httpStatusCode === 404
  );
}
