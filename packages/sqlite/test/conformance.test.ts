import { runConformance } from '@switchyard/conformance';
import { adapter } from '../src/index.ts';
import { sqliteProvider } from '../src/testing.ts';

runConformance({ adapter, provider: sqliteProvider, adapterModule: '@switchyard/sqlite' });
