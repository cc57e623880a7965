import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ParityRecorder } from '../src/parity-report.ts';
import { defineSuite } from '../src/suite-definition.ts';

describe('parity report', () => {
  test('records one outcome per test id, sorted, with reasons, in parity-<backend>.json', () => {
    const recorder = new ParityRecorder('fakedb', 'fake');
    recorder.record('crud/b', 'fail', 'boom');
    recorder.record('crud/a', 'pass');
    recorder.record('crud/a', 'skip', 'later outcome wins');
    const dir = mkdtempSync(join(tmpdir(), 'parity-'));
    const file = recorder.write(dir);
    expect(file).toBe(join(dir, 'parity-fakedb.json'));
    const report = JSON.parse(readFileSync(file, 'utf8'));
    expect(report.backend).toBe('fakedb');
    expect(Object.keys(report.results)).toEqual(['crud/a', 'crud/b']);
    expect(report.results['crud/a']).toEqual({ outcome: 'skip', reason: 'later outcome wins' });
    expect(recorder.has('crud/b')).toBe(true);
    expect(recorder.has('crud/c')).toBe(false);
  });

  test('defineSuite accepts a bare function or a test with needed capabilities', () => {
    const run = async () => undefined;
    const suite = defineSuite('demo', { plain: run, gated: { needs: ['savepoints'], run } });
    expect(suite.tests.plain).toEqual({ run });
    expect(suite.tests.gated.needs).toEqual(['savepoints']);
  });
});
