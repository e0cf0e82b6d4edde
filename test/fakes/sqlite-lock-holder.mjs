// Another process holding a SQLite file's write lock, as a `sqlite3` shell in `BEGIN IMMEDIATE`
// or a backup tool would. Plain JavaScript so it starts without tsx. Usage:
//   node sqlite-lock-holder.mjs <file>
// stdin lines: `lock` (BEGIN IMMEDIATE, then prints `locked`), `release` (ROLLBACK, prints
// `released`), `exit`. Prints `ready` once the file is open. Dies with its parent's pipe.
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: sqlite-lock-holder.mjs <file>\n');
  process.exit(2);
}
const db = new Database(path);
// The holder itself may wait for the lock (the bridge holds it only for microseconds at a time).
db.pragma('busy_timeout = 10000');
const say = (line) => process.stdout.write(`${line}\n`);
say('ready');

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const command = line.trim();
  if (command === 'lock') {
    if (!db.inTransaction) db.exec('BEGIN IMMEDIATE');
    say('locked');
  } else if (command === 'release') {
    if (db.inTransaction) db.exec('ROLLBACK');
    say('released');
  } else if (command === 'exit') {
    db.close();
    process.exit(0);
  }
});
lines.on('close', () => process.exit(0));
