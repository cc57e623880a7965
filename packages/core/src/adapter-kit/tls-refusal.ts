import { ConfigurationError } from '../errors.ts';

/**
 * Node's codes for a server certificate that `verify-ca` / `verify-full` refused. Retrying cannot
 * help, so they are configuration errors rather than connection errors.
 */
const certificateCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * A ConfigurationError when `error` (or one of its causes) is the refusal of the server's TLS
 * certificate, else undefined. The message carries Node's reason (never a URL or a key) and says
 * what to change.
 */
export function certificateRefusal(error: unknown, backend: string): ConfigurationError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && certificateCodes.has(code)) {
      return new ConfigurationError(
        `${backend} presented a TLS certificate that sslmode refuses (${code}: ${String(message)}). Give the CA that signed it as sslrootcert, or connect with sslmode=require to encrypt without checking the certificate.`,
        { cause: error },
      );
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
