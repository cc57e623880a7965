// Lists the workspace package folders named by pnpm-workspace.yaml, using only node: builtins so
// that scripts/toolchain.mjs can use it on any Node >= 18, before dependencies are installed.
//
// Only the two pattern shapes this repository uses are understood: a folder (`conformance`) and
// the folders directly inside one (`packages/*`). Anything else is an error rather than a guess.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The `packages:` patterns of pnpm-workspace.yaml (a block list of plain or quoted strings). */
function workspacePatterns(root) {
  const lines = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8').split(/\r?\n/);
  const start = lines.findIndex((line) => /^packages:\s*$/.test(line));
  if (start === -1) return [];
  const patterns = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    const item = /^\s+-\s+(['"]?)([^'"#]+?)\1\s*(#.*)?$/.exec(line);
    if (!item) break;
    patterns.push(item[2]);
  }
  return patterns;
}

/** Absolute paths of every folder matched by the workspace patterns that holds a package.json. */
export function workspacePackageDirs(root) {
  const dirs = [];
  for (const pattern of workspacePatterns(root)) {
    if (!/^[\w.@-]+(\/[\w.@-]+)*(\/\*)?$/.test(pattern)) {
      throw new Error(`pnpm-workspace.yaml: unsupported package pattern "${pattern}"`);
    }
    const candidates = pattern.endsWith('/*')
      ? listSubfolders(join(root, pattern.slice(0, -2)))
      : [join(root, pattern)];
    for (const dir of candidates) {
      if (existsSync(join(dir, 'package.json'))) dirs.push(dir);
    }
  }
  return dirs.sort();
}

function listSubfolders(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(dir, entry.name));
}
