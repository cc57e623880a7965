import { defineConfig } from '@switchyard/cli';
import { demoSchema } from './src/demo-schema.ts';

// What `pnpm migrate` and `pnpm migrate:check` use; src/main.ts opens the same history. Without
// DATABASE_URL the commands reach the demo's own SQLite file, as the demo does.
export default defineConfig({
  schema: demoSchema,
  migrations: './migrations',
  url: 'sqlite:./.data/demo.sqlite',
});
