#!/usr/bin/env node
import { run } from './program.ts';

// The exit status is set rather than forced, so stdout is flushed when piped.
process.exitCode = await run(process.argv.slice(2));
