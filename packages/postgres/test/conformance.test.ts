import { runConformance } from '@switchyard/conformance';
import { adapter } from '../src/index.ts';
import { postgresProvider } from '../src/testing.ts';

runConformance({ adapter, provider: postgresProvider, adapterModule: '@switchyard/postgres' });
