/**
 * The small application the CLI tests run on, written as plain JavaScript modules (.mjs) the way a
 * project without a build step would: a searchable entity and one referencing another.
 */
export interface SchemaOptions {
  /** Adds a nullable `priority` column to Task: the schema change a new migration must hold. */
  readonly withPriority?: boolean;
}

export function schemaModule(options: SchemaOptions = {}): string {
  return `import { defineEntity, p, searchable } from '@switchyard/core';

export const Project = defineEntity({
  name: 'Project',
  tableName: 'cli_project',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(80).unique(),
  },
});

export const Task = searchable(
  defineEntity({
    name: 'Task',
    tableName: 'cli_task',
    properties: {
      id: p.uuid().primary(),
      project: () => p.manyToOne(Project),
      title: p.string().length(200),
      done: p.boolean(),${options.withPriority ? '\n      priority: p.integer().nullable(),' : ''}
      version: p.integer().version(),
    },
  }),
  { fields: ['title'] },
);

export const schema = [Project, Task];
`;
}

export const configModule = `import { defineConfig } from '@switchyard/cli';
import { schema } from './schema.mjs';

export default defineConfig({ schema, migrations: './migrations' });
`;

/** The files of a project with this schema and a configuration next to it. */
export function fixtureFiles(options: SchemaOptions = {}): Record<string, string> {
  return { 'schema.mjs': schemaModule(options), 'switchyard.config.mjs': configModule };
}
