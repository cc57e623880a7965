import { describe, expect, test } from 'vitest';
import { certificateRefusal } from '../src/adapter-kit/tls-refusal.ts';
import { ConfigurationError } from '../src/errors.ts';

const tlsError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('certificate refusals', () => {
  test('a refused server certificate, however deep in the causes, is a ConfigurationError saying what to change', () => {
    const wrapped = new Error('connect failed', {
      cause: tlsError('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'),
    });
    const refusal = certificateRefusal(wrapped, 'PostgreSQL');
    expect(refusal).toBeInstanceOf(ConfigurationError);
    expect(refusal?.message).toMatch(
      /DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate.*sslrootcert.*sslmode=require/,
    );
    expect(refusal?.cause).toBe(wrapped);
  });

  test('a host name mismatch is a refusal too', () => {
    expect(
      certificateRefusal(tlsError('ERR_TLS_CERT_ALTNAME_INVALID', 'Host: db. is not in the cert'), 'MariaDB'),
    ).toBeInstanceOf(ConfigurationError);
  });

  test('any other error is not a certificate refusal', () => {
    expect(certificateRefusal(tlsError('ECONNREFUSED', 'refused'), 'PostgreSQL')).toBeUndefined();
    expect(certificateRefusal('text', 'PostgreSQL')).toBeUndefined();
  });
});
