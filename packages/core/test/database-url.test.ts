import { describe, expect, test } from 'vitest';
import { ConfigurationError } from '../src/errors.ts';
import { parseDatabaseUrl, redactUrl } from '../src/store/database-url.ts';

describe('database URLs', () => {
  test('redactUrl hides the password and secret-looking parameters', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/x?sslpassword=k&token=t&application_name=a')).toBe(
      'postgres://app:***@db:5432/x?sslpassword=***&token=***&application_name=a',
    );
    expect(redactUrl('sqlite:./data.db')).toBe('sqlite:./data.db');
  });

  test('redactUrl hides the password even in a URL that does not parse', () => {
    expect(redactUrl('postgres://app:s3cret@[bad')).not.toContain('s3cret');
    expect(redactUrl('postgres://u:pa/ss@host/db')).toBe('postgres://u:***@host/db');
    expect(redactUrl('postgres://u:p@ss/w@rd@[bad/db')).toBe('postgres://u:***@[bad/db');
    for (const url of [
      'postgres://u:pa?ss@host/db',
      'postgres://u:pa#ss@host/db',
      'postgres://u:p:a@host/db?x=1',
    ]) {
      expect(redactUrl(url)).not.toMatch(/pa\?ss|pa#ss|p:a/);
      expect(redactUrl(url)).toContain('u:***@host/db');
    }
  });

  test('a URL without a scheme is a ConfigurationError that never echoes the password', () => {
    expect(() => parseDatabaseUrl('/var/db.sqlite')).toThrow(ConfigurationError);
    expect(() => parseDatabaseUrl('//app:s3cret@localhost/db')).toThrow(ConfigurationError);
    expect(() => parseDatabaseUrl('//app:s3cret@localhost/db')).not.toThrow(/s3cret/);
  });

  test('the scheme is read case-insensitively', () => {
    expect(parseDatabaseUrl('PostgreSQL://h/db').scheme).toBe('postgresql');
  });
});
