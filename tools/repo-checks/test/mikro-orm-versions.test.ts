import { describe, expect, it } from 'vitest';
import {
  dependencyFields,
  readManifest,
  readWorkspaceFile,
  repoRoot,
  type WorkspacePackage,
  workspacePackages,
} from '../src/workspace.ts';

// MikroORM checks at run time that all its packages have the same version and refuses to start
// otherwise, so the version is pinned once, in the pnpm catalog, and used through it everywhere.
describe('MikroORM versions', () => {
  it('the catalog pins every @mikro-orm/* package to one and the same exact version', () => {
    const workspace = readWorkspaceFile();
    const catalogs = [workspace.catalog ?? {}, ...Object.values(workspace.catalogs ?? {})];
    const pins = catalogs.flatMap((catalog) =>
      Object.entries(catalog).filter(([name]) => name.startsWith('@mikro-orm/')),
    );
    expect(pins.length).toBeGreaterThan(0);
    for (const [name, version] of pins) expect(version, name).toMatch(/^\d+\.\d+\.\d+$/);
    expect(new Set(pins.map(([, version]) => String(version)))).toHaveProperty('size', 1);
  });

  it('every package.json refers to @mikro-orm packages only through the catalog (catalog:)', () => {
    const root: WorkspacePackage = { dir: repoRoot, manifest: readManifest(repoRoot) };
    const offenders: string[] = [];
    for (const { dir, manifest } of [root, ...workspacePackages()]) {
      for (const field of dependencyFields) {
        for (const [name, spec] of Object.entries(manifest[field] ?? {})) {
          if (name.startsWith('@mikro-orm/') && !/^catalog:/.test(spec)) {
            offenders.push(`${dir}/package.json ${field}["${name}"] = "${spec}"`);
          }
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
