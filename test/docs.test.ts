/**
 * The README's configuration table and .env.example name every variable the bridge reads, so a
 * user never needs the source to configure it (and a new variable cannot ship undocumented).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

/** Every variable config.ts reads: `read(env, 'NAME')`, `integer(env, 'NAME', …)`, `required('NAME', …)`. */
function variablesRead(): string[] {
  const source = read('src/config.ts');
  const names = [...source.matchAll(/(?:\(\s*env,\s*|required\()'([A-Z][A-Z0-9_]+)'/g)].map(
    (match) => match[1]!,
  );
  return [...new Set(names)].sort();
}

describe('configuration docs', () => {
  const variables = variablesRead();

  it('finds the variables config.ts reads', () => {
    expect(variables).toEqual(expect.arrayContaining(['SLACK_BOT_TOKEN', 'FXIAOKE_APP_ID', 'STORE_URL']));
    expect(variables.length).toBeGreaterThanOrEqual(20);
  });

  it('lists every one in the README configuration table', () => {
    const tableRows = read('README.md')
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    const documented = new Set(tableRows.map((line) => /^\| `([A-Z0-9_]+)`/.exec(line)?.[1]));
    expect(variables.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('lists every one in .env.example', () => {
    const example = read('.env.example');
    expect(variables.filter((name) => !new RegExp(`^#?${name}=`, 'm').test(example))).toEqual([]);
  });
});
