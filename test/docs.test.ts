/**
 * The configuration page's table and .env.example agree with the environment table the bridge
 * validates with (src/config/env.ts): every variable, its default and its meaning, so a user never
 * needs the source to configure it (and a new variable cannot ship undocumented); the
 * README's links all lead somewhere, and what it promises a newcomer matches the project.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV, ENV_NAMES, type EnvName } from '../src/config/env.js';
import { LIFECYCLE } from '../src/relay/lifecycle.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

/** The table of docs/configuration.md: its rows for environment variables, as written. */
function documentedRows(): string[] {
  return read('docs/configuration.md')
    .split('\n')
    .filter((line) => /^\| `[A-Z][A-Z0-9_]+` \|/.test(line));
}

/** The row the environment table (src/config/env.ts) says the page should have for a variable. */
function expectedRow(name: EnvName): string {
  const { required, default: fallback, meaning } = ENV[name].docs;
  return `| \`${name}\` | ${required} | ${fallback} | ${meaning} |`;
}

describe('configuration docs', () => {
  it('has the variables the bridge reads', () => {
    expect(ENV_NAMES).toEqual(expect.arrayContaining(['SLACK_BOT_TOKEN', 'FXIAOKE_APP_ID', 'STORE_URL']));
    expect(ENV_NAMES.length).toBeGreaterThanOrEqual(30);
  });

  it('documents each in docs/configuration.md as the environment table states it: required, default, meaning', () => {
    // Same rows, same order: a variable added, removed or changed in one place only fails here.
    expect(documentedRows()).toEqual(ENV_NAMES.map(expectedRow));
  });

  it('lists every one in .env.example, with its default where the line shows a value, and no other', () => {
    const example = read('.env.example');
    expect(ENV_NAMES.filter((name) => !new RegExp(`^#?${name}=`, 'm').test(example))).toEqual([]);
    const lines = [...example.matchAll(/^#?([A-Z][A-Z0-9_]+)=(.*)$/gm)].map(([, name, value]) => ({
      name: name as EnvName,
      value: value ?? '',
    }));
    // docker compose reads .env too: the password of its postgres service is compose's, not the bridge's.
    const composeOnly = new Set(['POSTGRES_PASSWORD']);
    const bridgeLines = lines.filter((line) => !composeOnly.has(line.name));
    expect(bridgeLines.map((line) => line.name).filter((name) => !(name in ENV))).toEqual([]);
    const wrongDefaults = bridgeLines.filter(({ name, value }) => {
      const fallback = ENV[name].default;
      return (
        value !== '' &&
        typeof fallback !== 'undefined' &&
        !Array.isArray(fallback) &&
        value !== String(fallback)
      );
    });
    expect(wrongDefaults).toEqual([]);
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

describe('the relay statuses in docs/operations.md', () => {
  it('are the lifecycle table (src/relay/lifecycle.ts): every status, its work and what it means', () => {
    const documented = read('docs/operations.md')
      .split('\n')
      .filter((line) => /^\| `[a-z]+` \| /.test(line) && line.split(' | ').length === 3);
    const expected = Object.entries(LIFECYCLE).map(
      ([status, rule]) => `| \`${status}\` | ${rule.work ?? '—'} | ${rule.means} |`,
    );
    expect(documented).toEqual(expected);
  });
});
