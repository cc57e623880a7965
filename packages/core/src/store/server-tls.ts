import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { ConfigurationError } from '../errors.ts';

/**
 * How a server connection is encrypted, with libpq's names and meanings:
 * - `disable`: plain TCP.
 * - `require`: encrypted; the server's certificate is not checked.
 * - `verify-ca`: encrypted; the certificate must chain to `sslrootcert` (or, without it, to one of
 *   Node's built-in CAs); the host name is not compared.
 * - `verify-full`: as `verify-ca`, and the certificate must also name the host of the URL.
 */
export type SslMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';

/** The TLS settings of the URL, with the PEM files already read. */
export interface ServerTls {
  readonly mode: SslMode;
  /** Contents of `sslrootcert`: the CAs the server's certificate must chain to. */
  readonly ca?: string;
  /** Contents of `sslcert`: the client's certificate, for servers that ask for one. */
  readonly cert?: string;
  /** Contents of `sslkey`: the private key of `sslcert`. */
  readonly key?: string;
}

/** The TLS parameters of the URL and the value each one has (undefined when absent). */
export interface TlsParameters {
  readonly sslmode: string | undefined;
  readonly sslrootcert: string | undefined;
  readonly sslcert: string | undefined;
  readonly sslkey: string | undefined;
}

const modes: readonly SslMode[] = ['disable', 'require', 'verify-ca', 'verify-full'];

/** Reads one PEM file; the message names the parameter and the path, never what the file holds. */
function readPem(parameter: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as { code?: unknown }).code;
    throw new ConfigurationError(
      `The URL parameter ${parameter} names "${path}", which cannot be read${typeof reason === 'string' ? ` (${reason})` : ''}.`,
    );
  }
  if (!text.includes('-----BEGIN ')) {
    throw new ConfigurationError(`The URL parameter ${parameter} names "${path}", which is not a PEM file.`);
  }
  return text;
}

/**
 * Checks the TLS parameters together and reads their files. `prefer` and `allow` are refused:
 * they fall back to plain TCP without saying so, so the caller must choose. A certificate or key
 * needs the other, and `sslrootcert` is refused where nothing would check against it (`disable`,
 * `require`), rather than silently not checking.
 */
export function readServerTls(backend: string, parameters: TlsParameters): ServerTls {
  const { sslmode, sslrootcert, sslcert, sslkey } = parameters;
  if (sslmode === 'prefer' || sslmode === 'allow') {
    throw new ConfigurationError(
      `sslmode=${sslmode} is not supported for ${backend}: it may connect unencrypted without saying so. Choose sslmode=disable or sslmode=require (or verify-ca / verify-full to check the certificate).`,
    );
  }
  const mode = sslmode ?? 'disable';
  if (!(modes as readonly string[]).includes(mode)) {
    throw new ConfigurationError(`The URL parameter sslmode must be one of ${modes.join(', ')}.`);
  }
  const checked = mode === 'verify-ca' || mode === 'verify-full';
  if (sslrootcert !== undefined && !checked) {
    throw new ConfigurationError(
      `The URL parameter sslrootcert is only used with sslmode=verify-ca or sslmode=verify-full; sslmode=${mode} does not check the server's certificate.`,
    );
  }
  if ((sslcert === undefined) !== (sslkey === undefined)) {
    throw new ConfigurationError('The URL parameters sslcert and sslkey must be given together.');
  }
  if (sslcert !== undefined && mode === 'disable') {
    throw new ConfigurationError('The URL parameters sslcert and sslkey need an sslmode other than disable.');
  }
  const tls: ServerTls = {
    mode: mode as SslMode,
    ...(sslrootcert === undefined ? {} : { ca: readPem('sslrootcert', sslrootcert) }),
    ...(sslcert === undefined ? {} : { cert: readPem('sslcert', sslcert) }),
    ...(sslkey === undefined ? {} : { key: readPem('sslkey', sslkey) }),
  };
  checkMaterial(tls);
  return tls;
}

/**
 * Builds the TLS context the drivers will build, so a certificate or key that OpenSSL cannot use
 * (not base64, not a key, a key that does not match the certificate) is refused here, before any
 * connection: a driver meets it in the middle of a handshake, where it can leave a socket behind.
 * The message names OpenSSL's error code, never the files' content.
 */
function checkMaterial(tls: ServerTls): void {
  if (tls.ca === undefined && tls.cert === undefined) return;
  try {
    // OpenSSL skips a CA it cannot read, which would only show later as a failed verification.
    for (const block of tls.ca?.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ??
      []) {
      new X509Certificate(block);
    }
    createSecureContext({ ca: tls.ca, cert: tls.cert, key: tls.key });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new ConfigurationError(
      `The TLS files of the URL (sslrootcert, sslcert, sslkey) cannot be used${typeof code === 'string' ? ` (${code})` : ''}: check that they hold PEM certificates and the certificate's own private key.`,
    );
  }
}
