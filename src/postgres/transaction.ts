/**
 * Transactions, and statements that may be run again when the connection they used is lost: the
 * pool hands each try a new connection.
 */
import type pg from 'pg';
import { isConnectionLost } from './failures.js';

/** Tries an operation gets when the connection it used is lost under it (see below). */
const CONNECTION_LOST_TRIES = 3;

/**
 * Runs `work` in a transaction on one pooled connection. A connection lost before COMMIT was sent
 * (the server ended it, a reset) rolled the transaction back, so the whole of it is run again on a
 * new connection, up to three tries; a loss during COMMIT leaves unknown whether it landed and is
 * the caller's to judge. A connection whose transaction could not be rolled back is discarded
 * rather than handed to the next caller.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transactionOnce(pool, work);
    } catch (error) {
      if (!(error instanceof LostBeforeCommit)) throw error;
      if (attempt >= CONNECTION_LOST_TRIES) throw error.cause;
    }
  }
}

/** The connection went before COMMIT was sent: nothing of the transaction remains. */
class LostBeforeCommit extends Error {
  constructor(override readonly cause: unknown) {
    super('connection lost before commit', { cause });
  }
}

async function transactionOnce<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw isConnectionLost(error) ? new LostBeforeCommit(error) : error;
  }
  let broken: Error | undefined;
  let committing = false;
  // A checked-out client has no listener of the pool's: a connection lost now (the server going
  // away) would be an unhandled 'error' event and end the process. The query in flight fails anyway.
  const lost = (error: Error) => {
    broken = error;
  };
  client.on('error', lost);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    committing = true;
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollback: unknown) => {
      broken = rollback instanceof Error ? rollback : new Error(String(rollback));
    });
    throw !committing && isConnectionLost(error) ? new LostBeforeCommit(error) : error;
  } finally {
    client.off('error', lost);
    client.release(broken);
  }
}

/**
 * Runs `operation` again when the connection it used was lost under it (the server ended it, a
 * reset), up to three tries: the pool hands each try a new connection. Only for operations that
 * are safe to repeat, since a lost connection leaves unknown whether a write it carried landed.
 */
export async function againIfConnectionLost<T>(operation: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isConnectionLost(error) || attempt >= CONNECTION_LOST_TRIES) throw error;
    }
  }
}
