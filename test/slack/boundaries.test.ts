/**
 * The Slack adapter reaches the core only through the relay facade (relay/facade.ts): no file
 * under src/slack/ imports the store, holds the relay's dependencies or calls a store method.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SLACK = fileURLToPath(new URL('../../src/slack/', import.meta.url));

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
