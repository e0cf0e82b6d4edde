/**
 * The configuration page's table and .env.example name every variable the bridge reads, so a
 * user never needs the source to configure it (and a new variable cannot ship undocumented); the
 * README's links all lead somewhere, and what it promises a newcomer matches the project.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

  it('lists every one in the configuration table of docs/configuration.md', () => {
    const tableRows = read('docs/configuration.md')
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

describe('README and docs/', () => {
  const readme = read('README.md');
  const pages = readdirSync(new URL('../docs/', import.meta.url)).filter((name) => name.endsWith('.md'));

  it('links every docs page from the README', () => {
    expect(pages.length).toBeGreaterThanOrEqual(5);
    expect(pages.filter((page) => !readme.includes(`](docs/${page}`))).toEqual([]);
  });

  it('has no relative link that leads nowhere, in the README or any docs page', () => {
    const broken: string[] = [];
    for (const [file, base] of [
      ['README.md', '../'],
      ...pages.map((page) => [`docs/${page}`, '../docs/']),
    ] as const) {
      for (const match of read(file).matchAll(/\]\((?!https?:|#|mailto:)([^)#\s]+)[^)]*\)/g)) {
        const target = new URL(`${base}${match[1]}`, import.meta.url);
        if (!existsSync(target)) broken.push(`${file}: ${match[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('starts a newcomer on the demo, with the Node version package.json requires', () => {
    const firstScreen = readme.split('\n').slice(0, 40).join('\n');
    expect(firstScreen).toContain('npm run demo');
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    expect(engines).toMatch(/^>=\d+\.\d+\.\d+$/);
    expect(readme).toContain(`Node.js ≥ ${engines.slice(2)}`);
    expect(JSON.parse(read('package.json')).scripts.demo).toBe('tsx dev/demo/main.ts');
  });

  it('runs the container with --restart unless-stopped', () => {
    expect(read('docs/deployment.md')).toContain('--restart unless-stopped');
  });
});
