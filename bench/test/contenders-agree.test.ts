import { describe, expect, test } from 'vitest';
import { benchBackends } from '../src/backends.ts';
import { OPERATIONS, ormBench } from '../src/contenders/orm-bench.ts';
import { ISSUE_SIZE, scaled } from '../src/contenders/orm-workload.ts';
import { CONTENDERS } from '../src/contenders/registry.ts';

// The ORM benchmark at a hundredth of its size, one round: every contender must return what
// Switchyard returns (rows, pages, updates, streams, search ids) on every configured backend, so
// the published comparison never measures a contender doing different work.
const size = scaled(ISSUE_SIZE, 0.01);

describe.each(benchBackends())('ORM benchmark contenders on $name', (backend) => {
  test.skipIf(backend.serverUrl === undefined)(
    backend.serverUrl === undefined
      ? `agree with Switchyard (skipped: no server, set CONFORMANCE_${backend.name.toUpperCase()}_URL)`
      : 'agree with Switchyard and complete every operation',
    async () => {
      const result = await ormBench(backend, Object.values(CONTENDERS), size, 1);
      expect(result.disagreements).toEqual([]);
      for (const name of Object.keys(CONTENDERS)) {
        expect(Object.keys(result.measurements[name as keyof typeof CONTENDERS] ?? {}).sort()).toEqual(
          [...OPERATIONS].sort(),
        );
      }
    },
    300_000,
  );
});
