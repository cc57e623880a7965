#!/usr/bin/env node
// Switchyard's toolchain bootstrap: gives every command the Node and pnpm the project is built with.
//
//   node scripts/toolchain.mjs setup                    install Node (if needed), pnpm, dependencies
//   node scripts/toolchain.mjs run <script> [args...]   the same, then `pnpm run <script> [args...]`
//
// It must run on any Node >= 18 with nothing installed, so it uses node: builtins only. The build
// machines ship a Node older than the 22.17 the project needs (MikroORM 7, vitest, testcontainers
// and changesets require it) and reach only the npm registry, so a newer Node comes from the
// registry's `node-<platform>-<arch>` package, which carries the official binary.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { constants } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workspacePackageDirs } from './workspace-packages.mjs';

const MIN_NODE_VERSION = '22.17.0';
const NODE_VERSION = '24.21.0';
const PNPM_VERSION = '10.34.9';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const toolsDir = join(root, '.tools');
const shimDir = join(toolsDir, 'bin');
const pnpmPrefix = join(toolsDir, 'pnpm');
const pnpmCli = join(pnpmPrefix, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
const stampFile = join(root, 'node_modules', '.switchyard-install-stamp');

function log(message) {
  process.stderr.write(`switchyard: ${message}\n`);
}

function fail(message) {
  log(message);
  process.exit(1);
}

function isAtLeast(version, minimum) {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if (a[i] !== b[i]) return a[i] > b[i];
  }
  return true;
}

/** The `version` of the package.json in `dir`, or undefined when there is none. */
function packageVersion(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/**
 * Runs a command with inherited stdio and resolves with its exit code (128 + signal number when it
 * was killed). SIGTERM and SIGHUP sent to this process are passed on so the child is not orphaned;
 * SIGINT is only held off, because a terminal's Ctrl-C already reaches the whole process group.
 */
function run(command, args, options) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', ...options });
    const forward = (signal) => child.kill(signal);
    const holdOff = () => {};
    process.on('SIGTERM', forward).on('SIGHUP', forward).on('SIGINT', holdOff);
    child.on('error', (error) => fail(`could not start ${command}: ${error.message}`));
    child.on('exit', (code, signal) => {
      process.off('SIGTERM', forward).off('SIGHUP', forward).off('SIGINT', holdOff);
      resolve(code ?? 128 + (constants.signals[signal] ?? 0));
    });
  });
}

async function runOrFail(command, args, options, what) {
  const code = await run(command, args, options);
  if (code !== 0) fail(`${what} failed (exit code ${code})`);
}

/** The registry package that carries the Node binary for this machine. */
function nodePackageName() {
  const platforms = { linux: 'linux', darwin: 'darwin' };
  const arches = { x64: 'x64', arm64: 'arm64' };
  const platform = platforms[process.platform];
  const arch = arches[process.arch];
  if (!platform || !arch) {
    fail(
      `Node ${process.versions.node} is older than ${MIN_NODE_VERSION} and no Node package is known for ` +
        `${process.platform}-${process.arch}; install Node ${MIN_NODE_VERSION} or newer yourself.`,
    );
  }
  return `node-${platform}-${arch}`;
}

/**
 * Downloads a registry package with `npm pack` (which checks the registry's integrity hash) and
 * unpacks it as `destination`. Works in a temporary folder and renames at the end, so an
 * interrupted download never leaves a half-extracted package that looks installed.
 */
async function unpackFromRegistry(spec, destination, env) {
  mkdirSync(toolsDir, { recursive: true });
  const scratch = mkdtempSync(join(toolsDir, 'tmp-'));
  try {
    await runOrFail(
      'npm',
      ['pack', spec, '--pack-destination', scratch, '--loglevel=error'],
      { cwd: scratch, env, stdio: ['ignore', 'ignore', 'inherit'] },
      `npm pack ${spec}`,
    );
    const tarball = readdirSync(scratch).find((name) => name.endsWith('.tgz'));
    if (!tarball) fail(`npm pack ${spec} produced no tarball`);
    await runOrFail('tar', ['-xzf', tarball], { cwd: scratch, env }, `unpacking ${tarball}`);
    rmSync(destination, { recursive: true, force: true });
    renameSync(join(scratch, 'package'), destination);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Returns the path of the Node binary to use: this one if new enough, else .tools/node. */
async function ensureNode() {
  if (isAtLeast(process.versions.node, MIN_NODE_VERSION)) return process.execPath;
  const nodeHome = join(toolsDir, 'node');
  const nodeBinary = join(nodeHome, 'bin', 'node');
  if (packageVersion(nodeHome) !== NODE_VERSION || !existsSync(nodeBinary)) {
    log(`Node ${process.versions.node} is older than ${MIN_NODE_VERSION}.`);
    log(`installing Node ${NODE_VERSION} from the npm registry…`);
    await unpackFromRegistry(`${nodePackageName()}@${NODE_VERSION}`, nodeHome, process.env);
  }
  return nodeBinary;
}

/** Single-quotes a string for a POSIX shell script. */
function shellQuote(value) {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Installs pnpm into .tools/pnpm (with the machine's npm) and writes the .tools/bin/pnpm shim. */
async function ensurePnpm(node, env) {
  if (packageVersion(dirname(dirname(pnpmCli))) !== PNPM_VERSION) {
    log(`installing pnpm ${PNPM_VERSION} from the npm registry…`);
    await runOrFail(
      'npm',
      [
        'install',
        '--prefix',
        pnpmPrefix,
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        `pnpm@${PNPM_VERSION}`,
      ],
      { env, stdio: ['ignore', 'ignore', 'inherit'] },
      `npm install pnpm@${PNPM_VERSION}`,
    );
  }
  // The shim names the chosen Node explicitly, so `pnpm` means the same thing from any child.
  const shim = `#!/bin/sh\n# Written by scripts/toolchain.mjs.\nexec ${shellQuote(node)} ${shellQuote(pnpmCli)} "$@"\n`;
  const shimPath = join(shimDir, 'pnpm');
  if (!existsSync(shimPath) || readFileSync(shimPath, 'utf8') !== shim) {
    mkdirSync(shimDir, { recursive: true });
    writeFileSync(shimPath, shim);
  }
  chmodSync(shimPath, 0o755);
}

/**
 * What the installed node_modules depend on: the lockfile, every package.json of the workspace,
 * the workspace file (catalog, allowed build scripts) and the Node and pnpm versions.
 */
function installStamp(nodeVersion) {
  const hash = createHash('sha256').update(`node ${nodeVersion}\npnpm ${PNPM_VERSION}\n`);
  const files = [
    ...['pnpm-lock.yaml', 'pnpm-workspace.yaml', 'package.json'].map((name) => join(root, name)),
    ...workspacePackageDirs(root).map((dir) => join(dir, 'package.json')),
  ];
  for (const path of files) {
    if (!existsSync(path)) continue;
    hash
      .update(`${relative(root, path)}\0`)
      .update(readFileSync(path))
      .update('\0');
  }
  return hash.digest('hex');
}

async function ensureDependencies(nodeVersion, env) {
  const frozen = existsSync(join(root, 'pnpm-lock.yaml'));
  const current = existsSync(stampFile) ? readFileSync(stampFile, 'utf8') : undefined;
  if (frozen && current === installStamp(nodeVersion)) return;
  const args = ['install', ...(frozen ? ['--frozen-lockfile'] : [])];
  log(`installing dependencies (pnpm ${args.join(' ')})…`);
  // Without a terminal pnpm refuses to replace a node_modules made by other settings; allow it.
  const code = await run('pnpm', [...args, '--config.confirmModulesPurge=false'], { cwd: root, env });
  if (code !== 0) {
    if (frozen)
      log('if pnpm-lock.yaml is out of date, run `.tools/bin/pnpm install` and commit the lockfile.');
    fail(`pnpm install failed (exit code ${code})`);
  }
  writeFileSync(stampFile, installStamp(nodeVersion));
}

async function prepare() {
  const node = await ensureNode();
  const nodeVersion = node === process.execPath ? process.versions.node : NODE_VERSION;
  // The chosen Node comes first on PATH so that npm, pnpm, turbo, vitest and every `node` they
  // spawn run on it. NODE / npm_node_execpath, set by an outer `npm run`, would name the old one.
  // turbo's usage telemetry is off: its notice would clutter every first run, and the build
  // machines reach no host but the package registries.
  const env = {
    ...process.env,
    PATH: [dirname(node), shimDir, process.env.PATH].filter(Boolean).join(delimiter),
    NODE: node,
    npm_node_execpath: node,
    TURBO_TELEMETRY_DISABLED: '1',
  };
  await ensurePnpm(node, env);
  await ensureDependencies(nodeVersion, env);
  return { env, nodeVersion };
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'setup' && rest.length === 0) {
  const { nodeVersion } = await prepare();
  log(`ready: Node ${nodeVersion}, pnpm ${PNPM_VERSION} (${relative(process.cwd(), shimDir) || '.'}/pnpm)`);
} else if (command === 'run' && rest.length > 0) {
  const { env } = await prepare();
  // --silent keeps pnpm's own banner and failure notice out of the output, so the script's last
  // line (test-all's summary) stays the last line printed.
  process.exit(await run('pnpm', ['--silent', 'run', ...rest], { cwd: root, env }));
} else {
  fail('usage: node scripts/toolchain.mjs setup | run <root-script-name> [args...]');
}
