#!/usr/bin/env node
// The command is dist/bin.js, built from src/bin.ts. Package managers link a package's commands
// when they install it, and in this workspace that happens before the build: a link to a file
// that does not exist yet is skipped (pnpm), so the command is this file, present from the start.
import '../dist/bin.js';
