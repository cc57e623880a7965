import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { ConfigurationError } from '../src/errors.ts';
import { readServerOptions } from '../src/store/server-options.ts';

const read = (url: string, options: Record<string, unknown> = {}) =>
  readServerOptions({ url, options }, 'PostgreSQL');

/** Expects a ConfigurationError matching `message` that shows none of `hidden`. */
function refused(url: string, message: RegExp, ...hidden: string[]): void {
  let caught: unknown;
  try {
    read(url);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigurationError);
  const text = (caught as Error).message;
  expect(text).toMatch(message);
  for (const secret of hidden) expect(text).not.toContain(secret);
}

const dir = mkdtempSync(join(tmpdir(), 'sy-server-options-'));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/tls/${name}`, import.meta.url));
/** A self-signed certificate (also used as the CA) and its key; another key that matches nothing. */
const ca = fixture('client.crt');
const cert = fixture('client.crt');
const key = fixture('client.key');
const otherKey = fixture('other.key');
/** A PEM-looking file OpenSSL cannot decode, holding a marker that must never be echoed. */
const PEM_BODY = 'MIIBsecretsecretsecret';
const garbled = join(dir, 'garbled.pem');
writeFileSync(garbled, `-----BEGIN CERTIFICATE-----\n${PEM_BODY}\n-----END CERTIFICATE-----\n`);
const notPem = join(dir, 'not-pem.txt');
writeFileSync(notPem, 'hunter2-is-not-a-certificate');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('server options', () => {
  test('the pool size comes from ?pool_max, from adapterOptions.poolMax, or defaults to 10', () => {
    expect(read('postgres://h/db').poolMax).toBe(10);
    expect(read('postgres://h/db?pool_max=5').poolMax).toBe(5);
    expect(read('postgres://h/db', { poolMax: 7 }).poolMax).toBe(7);
    expect(read('postgres://h/db?pool_max=7', { poolMax: 7 }).poolMax).toBe(7);
  });

  test('without parameters every optional setting is absent, the pool wait is 30 s and TLS is off', () => {
    expect(read('postgres://h/db')).toEqual({
      poolMax: 10,
      poolTimeoutMs: 30000,
      idleTimeoutMs: undefined,
      connectTimeoutSeconds: undefined,
      statementTimeoutMs: undefined,
      applicationName: undefined,
      tls: { mode: 'disable' },
    });
  });

  test('timeouts are read in their documented units: pool, idle and statement in ms, connect in seconds', () => {
    const options = read(
      'postgres://h/db?pool_timeout=300&idle_timeout=30000&connect_timeout=5&statement_timeout=250',
    );
    expect(options.poolTimeoutMs).toBe(300);
    expect(options.idleTimeoutMs).toBe(30000);
    expect(options.connectTimeoutSeconds).toBe(5);
    expect(options.statementTimeoutMs).toBe(250);
  });

  test('a timeout that is not a whole number from 1 up is refused, naming the parameter but not the value', () => {
    for (const name of ['pool_timeout', 'idle_timeout', 'connect_timeout', 'statement_timeout', 'pool_max']) {
      for (const value of ['0', '-1', '2.5', '1e3', 'abc', '', '99999999999']) {
        refused(
          `postgres://u:s3cret@h/db?${name}=${value}`,
          new RegExp(`${name} must be a whole number`),
          's3cret',
        );
      }
    }
    refused('postgres://h/db?statement_timeout=secretvalue', /statement_timeout/, 'secretvalue');
  });

  test('application_name is 1 to 63 printable ASCII characters', () => {
    expect(read('postgres://h/db?application_name=sy%20worker-1').applicationName).toBe('sy worker-1');
    expect(read(`postgres://h/db?application_name=${'a'.repeat(63)}`).applicationName).toHaveLength(63);
    for (const value of ['', 'a'.repeat(64), 'caf%C3%A9', 'tab%09name']) {
      refused(
        `postgres://h/db?application_name=${value}`,
        /application_name must be 1 to 63 printable ASCII/,
      );
    }
  });

  test('a parameter given twice is refused, whatever the values', () => {
    for (const name of ['pool_max', 'statement_timeout', 'application_name', 'sslmode']) {
      refused(
        `postgres://u:s3cret@h/db?${name}=1&${name}=1`,
        new RegExp(`gives ${name} more than once`),
        's3cret',
      );
    }
  });

  test('an unknown URL parameter or option is refused, naming the known ones', () => {
    refused(
      'postgres://h/db?ssl=true',
      /"ssl".*known: pool_max, pool_timeout, idle_timeout, connect_timeout, statement_timeout, application_name, sslmode, sslrootcert, sslcert, sslkey/,
    );
    refused('postgres://h/db?p%40ss%3Aword=1', /a malformed name/, 'p@ss:word');
    expect(() => read('postgres://h/db', { poolSize: 3 })).toThrow(/"poolSize".*known: poolMax/);
  });

  test('conflicting or invalid pool sizes given both ways are refused', () => {
    expect(() => read('postgres://h/db?pool_max=3', { poolMax: 4 })).toThrow(/disagree/);
    expect(() => read('postgres://h/db', { poolMax: 0 })).toThrow(
      /adapterOptions.poolMax must be a positive integer/,
    );
  });

  test('sslmode is disable by default and accepts disable, require, verify-ca and verify-full', () => {
    expect(read('postgres://h/db').tls).toEqual({ mode: 'disable' });
    for (const mode of ['disable', 'require', 'verify-ca', 'verify-full']) {
      expect(read(`postgres://h/db?sslmode=${mode}`).tls.mode).toBe(mode);
    }
    refused('postgres://h/db?sslmode=on', /sslmode must be one of disable, require, verify-ca, verify-full/);
  });

  test('sslmode prefer and allow are refused with a message asking to choose', () => {
    for (const mode of ['prefer', 'allow']) {
      refused(
        `postgres://h/db?sslmode=${mode}`,
        new RegExp(`sslmode=${mode} is not supported.*Choose sslmode=disable or sslmode=require`),
      );
    }
  });

  test('the PEM files are read at open and handed over as text', () => {
    const tls = read(
      `postgres://h/db?sslmode=verify-full&sslrootcert=${ca}&sslcert=${cert}&sslkey=${key}`,
    ).tls;
    expect(tls.mode).toBe('verify-full');
    expect(tls).toMatchObject({
      ca: readFileSync(ca, 'utf8'),
      cert: readFileSync(cert, 'utf8'),
      key: readFileSync(key, 'utf8'),
    });
  });

  test('verify-ca and verify-full without sslrootcert check against the built-in CAs (no ca given)', () => {
    expect(read('postgres://h/db?sslmode=verify-ca').tls).toEqual({ mode: 'verify-ca' });
  });

  test('a missing, unreadable or non-PEM file is refused naming the parameter and path, never the content', () => {
    const missing = join(dir, 'missing.pem');
    refused(
      `postgres://h/db?sslmode=verify-ca&sslrootcert=${missing}`,
      new RegExp(`sslrootcert names "${missing}", which cannot be read \\(ENOENT\\)`),
    );
    refused(
      `postgres://h/db?sslmode=require&sslcert=${notPem}&sslkey=${key}`,
      /sslcert names ".*not-pem.txt", which is not a PEM file/,
      'hunter2',
    );
    refused(
      `postgres://h/db?sslmode=require&sslcert=${cert}&sslkey=${dir}`,
      /sslkey names ".*", which cannot be read \(EISDIR\)/,
    );
  });

  test('a certificate or key OpenSSL cannot use is refused before connecting, by its error code, never its content', () => {
    refused(
      `postgres://h/db?sslmode=require&sslcert=${garbled}&sslkey=${key}`,
      /TLS files of the URL .* cannot be used \(ERR_OSSL_[A-Z0-9_]+\)/,
      PEM_BODY,
    );
    refused(
      `postgres://h/db?sslmode=verify-ca&sslrootcert=${garbled}`,
      /cannot be used \(ERR_OSSL_[A-Z0-9_]+\)/,
      PEM_BODY,
    );
    // A key that is not the certificate's own.
    refused(
      `postgres://h/db?sslmode=require&sslcert=${cert}&sslkey=${otherKey}`,
      /cannot be used \(ERR_OSSL_/,
    );
  });

  test('sslcert and sslkey only together, and never with sslmode=disable', () => {
    refused(`postgres://h/db?sslmode=require&sslcert=${cert}`, /sslcert and sslkey must be given together/);
    refused(`postgres://h/db?sslmode=require&sslkey=${key}`, /sslcert and sslkey must be given together/);
    refused(`postgres://h/db?sslcert=${cert}&sslkey=${key}`, /need an sslmode other than disable/);
    expect(read(`postgres://h/db?sslmode=require&sslcert=${cert}&sslkey=${key}`).tls.key).toBe(
      readFileSync(key, 'utf8'),
    );
  });

  test('sslrootcert is refused where nothing checks against it (disable, require)', () => {
    for (const mode of ['disable', 'require']) {
      refused(
        `postgres://h/db?sslmode=${mode}&sslrootcert=${ca}`,
        /sslrootcert is only used with sslmode=verify-ca or sslmode=verify-full/,
      );
    }
  });
});
