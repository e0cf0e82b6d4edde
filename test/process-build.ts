/**
 * The bridge's sources compiled once per test run, for the tests that start it as a child process.
 *
 * `node --import tsx src/main.ts` spends about 1.5 s of CPU compiling and loading the sources
 * through tsx's loader on every start, and the process, replica and chaos tests start the bridge
 * well over a hundred times. The suite's global setup (`buildForProcesses`) transpiles `src/` with
 * esbuild — the compiler tsx itself uses, file by file, no bundling — into a directory inside the
 * repository (so that `node_modules` resolves as it does for the sources), and the child processes
 * run the compiled files with plain `node`. Outside vitest (`npm run chaos`, the benchmarks) nothing
 * is provided and the children run through tsx as before.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The environment variable that tells child-process helpers where the compiled sources are. */
export const PROCESS_BUILD_ENV = 'FX_BRIDGE_TEST_PROCESS_BUILD';

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Compiles `src/` into a fresh directory and returns it (an absolute path). */
export async function compileSources(): Promise<string> {
  const outdir = join(REPO_ROOT, 'node_modules', '.cache', 'fx-bridge-test-build', String(process.pid));
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: sourcesUnder(join(REPO_ROOT, 'src')),
    outbase: REPO_ROOT,
    outdir,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
  });
  return outdir;
}

/**
 * The arguments that make `node` run `entry` (a path like `src/main.ts`, relative to the repository):
 * the compiled file when the suite compiled the sources, else the source through tsx.
 */
export function nodeArgsFor(entry: string): string[] {
  const built = process.env[PROCESS_BUILD_ENV];
  if (built && entry.startsWith('src/')) return [join(built, entry.replace(/\.ts$/, '.js'))];
  return ['--import', 'tsx', entry];
}

/** Vitest global setup (the `suite` project): compile once, remove the output when the run ends. */
export default async function buildForProcesses(): Promise<() => void> {
  const outdir = await compileSources();
  process.env[PROCESS_BUILD_ENV] = outdir;
  return () => rmSync(outdir, { recursive: true, force: true });
}
