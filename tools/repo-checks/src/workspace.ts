// Read-only views of the repository that the rules in test/ are checked against.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { workspacePackageDirs } from '../../../scripts/workspace-packages.mjs';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export const dependencyFields = [
  'dependencies',
  'devDependencies',
  'peerDependencies',
  'optionalDependencies',
] as const;

export interface PackageManifest {
  name?: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

export interface WorkspacePackage {
  /** Absolute path of the package folder. */
  dir: string;
  manifest: PackageManifest;
}

export interface WorkspaceFile {
  packages?: string[];
  /** The default catalog (`catalog:`). */
  catalog?: Record<string, string>;
  /** Named catalogs (`catalog:<name>`). */
  catalogs?: Record<string, Record<string, string>>;
}

export function readWorkspaceFile(): WorkspaceFile {
  return parse(readFileSync(join(repoRoot, 'pnpm-workspace.yaml'), 'utf8')) as WorkspaceFile;
}

export function readManifest(dir: string): PackageManifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageManifest;
}

/** Every workspace package, not including the repository root. */
export function workspacePackages(): WorkspacePackage[] {
  return workspacePackageDirs(repoRoot).map((dir) => ({ dir, manifest: readManifest(dir) }));
}
