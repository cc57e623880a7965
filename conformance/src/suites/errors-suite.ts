import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuthenticationError,
  ConfigurationError,
  ConnectionError,
  DriverError,
  defineEntity,
  ForeignKeyError,
  NotNullError,
  openStore as openStoreByUrl,
  p,
  SchemaError,
  SwitchyardError,
  UniqueConstraintError,
  ValidationError,
} from '@switchyard/core';
import { expect } from 'vitest';
import { Account, conformanceSchema, Post, Sample } from '../conformance-schema.ts';
import { expectNoSecret } from '../secret-scan.ts';
import { defineSuite, type SuiteContext } from '../suite-definition.ts';
import { expectError } from './expect-error.ts';
import { compareCodePoints, newTag, shuffled } from './suite-helpers.ts';

const newAccount = (email = `${crypto.randomUUID()}@example.com`) => ({ email, name: 'Ada', balance: 0 });
const newPost = (account: string, title = 'post') => ({ account, title, seq: 1, createdAt: new Date() });

/** A password that must never appear in anything an error exposes. */
const SECRET = 'sEcr3t-Pa55';

/** The server URL with a password and other changes (server backends only). */
function serverUrlWith(serverUrl: string, change: (url: URL) => void): string {
  const url = new URL(serverUrl);
  url.password = SECRET;
  if (!url.username) url.username = 'switchyard';
  change(url);
  return url.toString();
}

/** A path whose parent "folder" is a regular file: no database can live there. */
function pathInsideAFile(): string {
  const file = join(tmpdir(), `switchyard-not-a-folder-${crypto.randomUUID()}`);
  writeFileSync(file, 'a regular file\n');
  return join(file, 'db.sqlite');
}

/** Opens a store that must fail; a store that opens anyway is closed by the suite. */
async function openFailing(context: SuiteContext, url: string): Promise<unknown> {
  try {
    await context.openStore({ url });
  } catch (error) {
    return error;
  }
  return undefined;
}

export const errorsSuite = defineSuite('errors', {
  'a duplicate unique key throws UniqueConstraintError with the driver error as cause': async ({ store }) => {
    const repo = store.repo(Account);
    const first = await repo.insert(newAccount());
    const error = await expectError(
      repo.insert(newAccount(first.email)),
      UniqueConstraintError,
      'UNIQUE_VIOLATION',
    );
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.cause).not.toBeInstanceOf(SwitchyardError);
    expect(error.retryable).toBe(false);
    // The same fault through update.
    const second = await repo.insert(newAccount());
    await expectError(
      repo.update(second.id, { email: first.email }),
      UniqueConstraintError,
      'UNIQUE_VIOLATION',
    );
    expect(await repo.count({ email: first.email })).toBe(1);
    expect((await repo.get(second.id))?.email).toBe(second.email);
  },
  'a duplicate primary key throws UniqueConstraintError': async ({ store }) => {
    const row = await store.repo(Sample).insert({ label: 'original' });
    const error = await expectError(
      store.repo(Sample).insert({ id: row.id, label: 'copy' }),
      UniqueConstraintError,
      'UNIQUE_VIOLATION',
    );
    expect(error.cause).toBeInstanceOf(Error);
    expect(await store.repo(Sample).get(row.id)).toEqual(row);
  },
  'a reference to a missing parent throws ForeignKeyError and writes nothing': async ({ store }) => {
    const missing = crypto.randomUUID();
    const error = await expectError(
      store.repo(Post).insert(newPost(missing)),
      ForeignKeyError,
      'FOREIGN_KEY_VIOLATION',
    );
    expect(error.cause).toBeInstanceOf(Error);
    expect(await store.repo(Post).count({ account: missing })).toBe(0);
    // The same fault through update.
    const account = await store.repo(Account).insert(newAccount());
    const post = await store.repo(Post).insert(newPost(account.id));
    await expectError(store.repo(Post).update(post.id, { account: missing }), ForeignKeyError);
    expect((await store.repo(Post).get(post.id))?.account).toBe(account.id);
  },
  'deleting a parent that still has children throws ForeignKeyError and deletes nothing': async ({
    store,
  }) => {
    const account = await store.repo(Account).insert(newAccount());
    const post = await store.repo(Post).insert(newPost(account.id));
    await expectError(store.repo(Account).delete(account.id), ForeignKeyError, 'FOREIGN_KEY_VIOLATION');
    await expectError(store.repo(Account).deleteMany({ id: account.id }), ForeignKeyError);
    expect(await store.repo(Account).get(account.id)).toEqual(account);
    expect(await store.repo(Post).get(post.id)).toEqual(post);
    // Without children the parent goes.
    await store.repo(Post).delete(post.id);
    expect(await store.repo(Account).delete(account.id)).toBe(true);
  },
  'a missing or null required value throws NotNullError, a ValidationError': async ({ store }) => {
    const email = `${crypto.randomUUID()}@example.com`;
    const missing = await expectError(
      store.repo(Account).insert({ email, balance: 0 } as never),
      NotNullError,
      'NOT_NULL_VIOLATION',
    );
    expect(missing).toBeInstanceOf(ValidationError);
    await expectError(store.repo(Account).insert({ email, name: null, balance: 0 } as never), NotNullError);
    expect(await store.repo(Account).count({ email })).toBe(0);
    const row = await store.repo(Account).insert(newAccount(email));
    await expectError(
      store.repo(Account).update(row.id, { name: null } as never),
      NotNullError,
      'NOT_NULL_VIOLATION',
    );
    expect(await store.repo(Account).get(row.id)).toEqual(row);
  },
  'an unknown URL scheme throws ConfigurationError naming the known schemes': async () => {
    const error = await expectError(
      openStoreByUrl({ url: 'oracle://scott:tiger@db.example.com/orcl', schema: conformanceSchema }),
      ConfigurationError,
      'CONFIGURATION',
    );
    for (const scheme of ['sqlite:', 'postgres:', 'mariadb:']) expect(error.message).toContain(scheme);
    expect(error.message).toContain('oracle');
    expectNoSecret(error, 'tiger');
  },
  'a malformed URL throws ConfigurationError without echoing its password': async ({ adapter }) => {
    const scheme = adapter.schemes[0] ?? 'sqlite';
    for (const url of [`${scheme}://user:${SECRET}@[not-a-host/db`, 'no scheme here']) {
      const error = await expectError(
        openStoreByUrl({ url, schema: conformanceSchema, adapter }),
        ConfigurationError,
      );
      expectNoSecret(error, SECRET);
    }
  },
  'a non-portable property type throws SchemaError naming Entity.property': async ({ openStore }) => {
    const NotPortable = defineEntity({
      name: 'SyNotPortable',
      tableName: 'sy_not_portable',
      properties: {
        id: p.uuid().primary(),
        day: p.date(),
        ratio: p.float(),
        tags: p.array(),
        mood: p.enum(['calm', 'angry']),
      },
    });
    const IntegerKey = defineEntity({
      name: 'SyIntegerKey',
      tableName: 'sy_integer_key',
      properties: { id: p.integer().primary(), label: p.string() },
    });
    const error = await expectError(
      openStore({ schema: [...conformanceSchema, NotPortable, IntegerKey] }),
      SchemaError,
      'SCHEMA_INVALID',
    );
    for (const where of [
      'SyNotPortable.day',
      'SyNotPortable.ratio',
      'SyNotPortable.tags',
      'SyNotPortable.mood',
      'SyIntegerKey.id',
    ]) {
      expect(error.message).toContain(where);
    }
    expect(error.message).not.toContain('SyNotPortable.id');
  },
  'a string primary key is stored exactly, ordered by code point, and a duplicate is UniqueConstraintError':
    async ({ store, openStore }) => {
      const StringKey = defineEntity({
        name: 'SyStringKey',
        tableName: 'sy_string_key',
        properties: { code: p.string().length(40).primary(), label: p.string().nullable() },
      });
      // A store whose schema is this one entity: its migrate() and dropSchema() must leave the
      // conformance tables of the same database alone.
      const keyed = await openStore({ schema: [StringKey] });
      const marker = await store.repo(Sample).insert({ label: newTag() });
      await keyed.migrate();
      try {
        const repo = keyed.repo(StringKey);
        const codes = ['B', 'a', 'A', 'é', 'a ', 'ab', 'Z', 'É', '中', '😀', ' a'];
        for (const code of shuffled(codes)) await repo.insert({ code, label: `is ${code}` });
        for (const code of codes) expect(await repo.get(code), code).toEqual({ code, label: `is ${code}` });
        expect(await repo.get('b')).toBeNull();
        expect(await repo.get('e')).toBeNull();
        const byKey = [...codes].sort(compareCodePoints);
        expect((await repo.find()).items.map((r) => r.code)).toEqual(byKey);
        expect((await repo.find({}, { orderBy: { code: 'desc' } })).items.map((r) => r.code)).toEqual(
          [...byKey].reverse(),
        );
        for (const code of ['a', 'A', 'é']) {
          await expectError(repo.insert({ code, label: 'copy' }), UniqueConstraintError, 'UNIQUE_VIOLATION');
        }
        expect(await repo.count()).toBe(codes.length);
        expect(await repo.get('a')).toEqual({ code: 'a', label: 'is a' });
        expect(await store.repo(Sample).get(marker.id)).toEqual(marker);
      } finally {
        await keyed.dropSchema();
      }
      expect(await store.repo(Sample).get(marker.id)).toEqual(marker);
    },
  'a database-side default (defaultRaw) is refused at startup with SchemaError naming Entity.property':
    async ({ openStore }) => {
      const RawDefault = defineEntity({
        name: 'SyRawDefault',
        tableName: 'sy_raw_default',
        properties: { id: p.uuid().primary(), state: p.string().length(10).defaultRaw("'x'") },
      });
      const error = await expectError(openStore({ schema: [RawDefault] }), SchemaError, 'SCHEMA_INVALID');
      expect(error.message).toContain('SyRawDefault.state');
    },
  'a value default (.default()) is applied on insert and returned by it': async ({ store, openStore }) => {
    const ValueDefault = defineEntity({
      name: 'SyValueDefault',
      tableName: 'sy_value_default',
      properties: {
        id: p.uuid().primary(),
        state: p.string().length(10).default('x'),
        label: p.string().length(10).nullable(),
      },
    });
    const defaults = await openStore({ schema: [ValueDefault] });
    const marker = await store.repo(Sample).insert({ label: newTag() });
    await defaults.migrate();
    try {
      const repo = defaults.repo(ValueDefault);
      const implicit = await repo.insert({ label: 'implicit' });
      expect(implicit.state).toBe('x');
      expect(await repo.get(implicit.id)).toEqual(implicit);
      const explicit = await repo.insert({ label: 'explicit', state: 'y' });
      expect(explicit.state).toBe('y');
      expect(await repo.get(explicit.id)).toEqual(explicit);
      const many = await repo.insertMany([{ label: 'many' }, { label: 'many', state: 'z' }]);
      expect(many.map((r) => r.state)).toEqual(['x', 'z']);
    } finally {
      await defaults.dropSchema();
    }
    expect(await store.repo(Sample).get(marker.id)).toEqual(marker);
  },
  'requireServer refuses an embedded backend with ConfigurationError and accepts a server backend': async ({
    adapter,
    openStore,
  }) => {
    const previous = process.env.SWITCHYARD_REQUIRE_SERVER;
    try {
      for (const [how, open] of [
        ['option', () => openStore({ requireServer: true })],
        [
          'environment',
          () => {
            process.env.SWITCHYARD_REQUIRE_SERVER = '1';
            return openStore();
          },
        ],
      ] as const) {
        if (adapter.kind === 'embedded') {
          await expectError(open(), ConfigurationError, 'CONFIGURATION');
        } else {
          const store = await open();
          expect((await store.health()).ok, how).toBe(true);
        }
      }
      // requireServer: false wins over the environment.
      process.env.SWITCHYARD_REQUIRE_SERVER = '1';
      const store = await openStore({ requireServer: false });
      expect((await store.health()).ok).toBe(true);
    } finally {
      if (previous === undefined) delete process.env.SWITCHYARD_REQUIRE_SERVER;
      else process.env.SWITCHYARD_REQUIRE_SERVER = previous;
    }
  },
  'an unreachable server, or a database file that cannot be created, throws a typed error': async (
    context,
  ) => {
    if (context.serverUrl) {
      const url = serverUrlWith(context.serverUrl, (u) => {
        u.port = '1';
      });
      const error = await openFailing(context, url);
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error).not.toBeInstanceOf(AuthenticationError);
      expect((error as ConnectionError).retryable).toBe(true);
    } else {
      const error = await openFailing(context, `${context.adapter.schemes[0]}:${pathInsideAFile()}`);
      expect(error).toBeInstanceOf(SwitchyardError);
      expect(error).not.toBeInstanceOf(DriverError);
    }
  },
  'refused credentials throw AuthenticationError, which is not retryable': async (context) => {
    if (context.serverUrl) {
      // A user that does not exist is refused whether the server checks passwords or trusts the host.
      const url = serverUrlWith(context.serverUrl, (u) => {
        u.username = 'switchyard_no_such_user';
      });
      const error = await openFailing(context, url);
      expect(error).toBeInstanceOf(AuthenticationError);
      expect((error as AuthenticationError).code).toBe('AUTHENTICATION');
      expect((error as AuthenticationError).retryable).toBe(false);
      expectNoSecret(error, SECRET);
    } else {
      // An embedded database has no credentials: a password parameter is refused, never echoed.
      const error = await openFailing(context, `${context.url}?password=${SECRET}`);
      expect(error).toBeInstanceOf(ConfigurationError);
      expectNoSecret(error, SECRET);
    }
  },
  'no error from a failed connection contains the password of the URL': async (context) => {
    if (context.serverUrl) {
      const unreachable = serverUrlWith(context.serverUrl, (u) => {
        u.port = '1';
      });
      const unknownDatabase = serverUrlWith(context.serverUrl, (u) => {
        u.pathname = `/sy_missing_${crypto.randomUUID().slice(0, 8)}`;
      });
      for (const url of [unreachable, unknownDatabase]) {
        const error = await openFailing(context, url);
        expect(error, url.replace(SECRET, '***')).toBeInstanceOf(SwitchyardError);
        expect(error).not.toBeInstanceOf(DriverError);
        expectNoSecret(error, SECRET);
      }
    } else {
      const error = await openFailing(
        context,
        `${context.adapter.schemes[0]}:${pathInsideAFile()}?key=${SECRET}`,
      );
      expect(error).toBeInstanceOf(SwitchyardError);
      expectNoSecret(error, SECRET);
    }
  },
  'a URL naming no usable database (unknown database, a folder) throws a typed error': async (context) => {
    const url = context.serverUrl
      ? (() => {
          const u = new URL(context.serverUrl);
          u.pathname = `/sy_missing_${crypto.randomUUID().slice(0, 8)}`;
          return u.toString();
        })()
      : `${context.adapter.schemes[0]}:${tmpdir()}`;
    const error = await openFailing(context, url);
    expect(error).toBeInstanceOf(SwitchyardError);
    expect(error).not.toBeInstanceOf(DriverError);
  },
});
