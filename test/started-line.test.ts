/** The "fx-bridge started" line names the store without any password a URL carries. */
import { describe, expect, it } from 'vitest';
import { describeStore } from '../src/started-line.js';

describe('describeStore (started line)', () => {
  it.each([
    ['redis://:hunter2@cache:6379/0', 'redis://cache:6379/0'],
    ['rediss://fx:hunter2@cache:6380', 'rediss://cache:6380'],
    ['postgres://fx:hunter2@db:5432/fx', 'postgres://db:5432/fx'],
    ['postgresql://fx:hunter2@db/fx', 'postgresql://db/fx'],
    ['sqlite:./data/fx-bridge.db', 'sqlite:./data/fx-bridge.db'],
  ])('shows %s as %s', (url, shown) => {
    expect(describeStore(url)).toBe(shown);
  });
});
