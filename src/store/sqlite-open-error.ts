/**
 * Why the SQLite file could not be opened, in words that say what to change: SQLite's own
 * messages ("unable to open database file", "attempt to write a readonly database", "file is not a
 * database") name neither the file nor the cause. Used while opening only.
 */
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from './errors.js';

export function sqliteOpenError(path: string, error: unknown): StoreError {
  const file = resolve(path);
  const reason = error instanceof Error ? error.message : String(error);
  const hint = hintFor(error, file);
  return new StoreError(`SQLite file ${file}: ${reason}${hint ? `. ${hint}` : ''}`, { cause: error });
}

function hintFor(error: unknown, file: string): string | undefined {
  const who = typeof process.getuid === 'function' ? ` (uid ${process.getuid()})` : '';
  const code = (error as { code?: unknown } | undefined)?.code;
  if (error instanceof Database.SqliteError) {
    if (code === 'SQLITE_CANTOPEN')
      return `Check that it names a file, not a directory, in a directory this process${who} can write`;
    if (typeof code === 'string' && code.startsWith('SQLITE_READONLY'))
      return `The file or its directory is read-only for this process${who}: make both writable (SQLite also writes ${file}-wal and ${file}-shm beside it)`;
    if (code === 'SQLITE_NOTADB')
      return "The file is not an SQLite database: point STORE_URL at fx-bridge's own database file, or move this one away";
    return undefined;
  }
  // mkdir of its directory, before SQLite is involved.
  if (code === 'ENOTDIR' || code === 'EEXIST')
    return `Its directory ${dirname(file)} cannot be created: part of that path is a file`;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return `Its directory ${dirname(file)} cannot be created by this process${who}`;
  return undefined;
}
