/** Absolute paths of the workspace package folders (those named by pnpm-workspace.yaml that hold a package.json). */
export declare function workspacePackageDirs(root: string): string[];
