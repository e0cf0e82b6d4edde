/**
 * The Slack adapter reaches the core only through the relay facade (relay/facade.ts): no file
 * under src/slack/ imports the store, holds the relay's dependencies or calls a store method.
 * The core (src/relay/) speaks to its ports only: it imports no adapter library (Bolt, undici,
 * ioredis, pg, …) and no adapter (store/, fxiaoke/, redis/, slack/, http/, cli/, …).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SLACK = fileURLToPath(new URL('../../src/slack/', import.meta.url));
const RELAY = fileURLToPath(new URL('../../src/relay/', import.meta.url));
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('src/slack/ and the store', () => {
  const files = sources(SLACK).map((path) => ({
    name: relative(SLACK, path),
    text: readFileSync(path, 'utf8'),
  }));

  it('finds the adapter’s files', () => {
    expect(files.map((file) => file.name)).toContain(join('listeners', 'commands', 'fx-send.ts'));
  });

  it('has no file that imports the store, holds RelayDeps or calls the store', () => {
    const offenders = files.flatMap(({ name, text }) => {
      const found: string[] = [];
      if (/from '(\.\.\/)+store\//.test(text)) found.push(`${name}: imports src/store/`);
      if (/\bRelayDeps\b/.test(text)) found.push(`${name}: RelayDeps`);
      if (/\.store\.\w+\(/.test(text)) found.push(`${name}: calls the store`);
      return found;
    });
    expect(offenders).toEqual([]);
  });
});

/** Every module a source file imports (static, type-only, re-exports and dynamic imports). */
function importsOf(text: string): string[] {
  const specifiers = [
    ...text.matchAll(/\b(?:import|export)\s[^;]*?\bfrom\s*'([^']+)'/g),
    ...text.matchAll(/\bimport\s*'([^']+)'/g),
    ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
  ];
  return specifiers.map((match) => match[1] ?? '');
}

/** Libraries of the adapters: the core must not need any of them. */
const ADAPTER_LIBRARIES = [
  /^@slack\//,
  /^undici$/,
  /^ioredis$/,
  /^pg(-|$)/,
  /^better-sqlite3$/,
  /^prom-client$/,
  /^pino/,
];

describe('src/relay/ and its ports', () => {
  const files = sources(RELAY).map((path) => ({ path, text: readFileSync(path, 'utf8') }));

  it('finds the core’s files, its ports among them', () => {
    const names = files.map((file) => relative(RELAY, file.path));
    expect(names).toEqual(expect.arrayContaining(['facade.ts', 'lifecycle.ts', join('ports', 'store.ts')]));
  });

  it('imports no adapter library and nothing outside src/relay/ but src/util/', () => {
    const offenders = files.flatMap(({ path, text }) =>
      importsOf(text).flatMap((specifier) => {
        const name = relative(SRC, path);
        if (ADAPTER_LIBRARIES.some((library) => library.test(specifier))) return [`${name}: ${specifier}`];
        if (!specifier.startsWith('.')) return [];
        const target = relative(SRC, resolve(dirname(path), specifier));
        return target.startsWith('relay/') || target.startsWith('util/') ? [] : [`${name}: ${specifier}`];
      }),
    );
    expect(offenders).toEqual([]);
  });

  it('would notice one (the check reads every kind of import)', () => {
    const sample = [
      "import { App } from '@slack/bolt';",
      "import type { RelayStore } from '../store/interface.js';",
      "export { x } from '../fxiaoke/errors.js';",
      "const pg = await import('pg');",
    ].join('\n');
    expect(importsOf(sample)).toEqual(['@slack/bolt', '../store/interface.js', '../fxiaoke/errors.js', 'pg']);
  });
});
