/**
 * A second, real process holding a SQLite file's write lock (`test/fakes/sqlite-lock-holder.mjs`),
 * for the tests and the bench that check the store never blocks the event loop on it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./fakes/sqlite-lock-holder.mjs', import.meta.url));

export class SqliteLockHolder {
  readonly #child: ChildProcess;
  readonly #lines: Interface;
  readonly #waiting: { line: string; resolve: () => void }[] = [];
  #stderr = '';

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr += chunk.toString('utf8');
    });
    this.#lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    this.#lines.on('line', (line) => {
      const index = this.#waiting.findIndex((waiter) => waiter.line === line.trim());
      if (index >= 0) this.#waiting.splice(index, 1)[0]?.resolve();
    });
  }

  /** Starts the holder on `path` and waits until it has the file open. */
  static async start(path: string): Promise<SqliteLockHolder> {
    const child = spawn(process.execPath, [SCRIPT, path], { stdio: ['pipe', 'pipe', 'pipe'] });
    const holder = new SqliteLockHolder(child);
    await holder.#command(undefined, 'ready');
    return holder;
  }

  /** Resolves once the other process is inside BEGIN IMMEDIATE. */
  lock(): Promise<void> {
    return this.#command('lock', 'locked');
  }

  /** Resolves once the other process has rolled back (the lock is free). */
  release(): Promise<void> {
    return this.#command('release', 'released');
  }

  /** SIGKILL: the lock goes with the process. */
  async kill(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = once(this.#child, 'exit');
    this.#child.kill('SIGKILL');
    await exited;
  }

  #command(command: string | undefined, answer: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onExit = () => reject(new Error(`lock holder exited before "${answer}": ${this.#stderr}`));
      this.#child.once('exit', onExit);
      this.#waiting.push({
        line: answer,
        resolve: () => {
          this.#child.off('exit', onExit);
          resolve();
        },
      });
      if (command !== undefined) this.#child.stdin?.write(`${command}\n`);
    });
  }
}
