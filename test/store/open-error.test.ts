/** What a store that could not be opened says: STORE_URL as it may be shown, never a password. */
import { describe, expect, it } from 'vitest';
import { StoreOpenError } from '../../src/store/errors.js';

describe('StoreOpenError', () => {
  it('names a SQLite STORE_URL as it is, and the reason', () => {
    const error = new StoreOpenError('sqlite:./data/fx.db', new Error('SQLite file /srv/data/fx.db: x'));
    expect(error.message).toBe(
      'STORE_URL=sqlite:./data/fx.db could not be opened: SQLite file /srv/data/fx.db: x',
    );
    expect(error.code).toBe('store_open_failed');
  });

  it('drops the user and password of a URL, also where the reason repeats them', () => {
    const url = 'redis://fx:p%40ss-w0rd@redis.internal:6380/2';
    const error = new StoreOpenError(url, new Error(`cannot reach ${url} with p@ss-w0rd or p%40ss-w0rd`));
    expect(error.message).toBe(
      'STORE_URL=redis://redis.internal:6380/2 could not be opened: cannot reach *** with *** or ***',
    );
  });

  it('shows only the scheme of a URL it cannot read: the rest could hold a password', () => {
    const error = new StoreOpenError('redis://fx:secret@[db/0', new Error('invalid: fx:secret@[db'));
    expect(error.message).toBe('STORE_URL=redis://… could not be opened: invalid: ***@[db');
  });
});
