import { runConformance } from '@switchyard/conformance';
import { adapter } from '../src/index.ts';
import { mariadbProvider } from '../src/testing.ts';

runConformance({ adapter, provider: mariadbProvider, adapterModule: '@switchyard/mariadb' });
