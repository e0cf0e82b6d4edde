/**
 * Request/answer over the Node IPC channel between the orchestrator and its child processes
 * (load generator, fakes, store runs). The children are TypeScript, so they run under tsx.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

interface Envelope<T> {
  id: number;
  body: T;
}

interface Answer {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** Forks `bench/<file>` under tsx. stderr stays on ours, so a crash in a child is visible. */
export function forkBench(file: string, args: string[] = []): ChildProcess {
  const path = fileURLToPath(new URL(file, import.meta.url));
  return fork(path, args, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** The parent's side: call(body) resolves with the child's answer to that request. */
export class ChildRpc<Request> {
  #next = 1;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (e: Error) => void }>();
  #exited: Error | undefined;

  constructor(readonly child: ChildProcess) {
    child.on('message', (message: Answer) => {
      const waiter = this.#pending.get(message.id);
      if (!waiter) return;
      this.#pending.delete(message.id);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(new Error(message.error ?? 'child failed'));
    });
    child.on('exit', (code, signal) => {
      this.#exited = new Error(`bench child exited (code ${code}, signal ${signal})`);
      for (const waiter of this.#pending.values()) waiter.reject(this.#exited);
      this.#pending.clear();
    });
  }

  /** The caller states the answer's type: IPC carries plain JSON, checked by the child's code. */
  call<T>(body: Request): Promise<T> {
    if (this.#exited) return Promise.reject(this.#exited);
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: (value) => resolve(value as T), reject });
      const envelope: Envelope<Request> = { id, body };
      this.child.send(envelope);
    });
  }

  /** Waits for the child to exit, killing it after `graceMs` if it does not. */
  async exit(graceMs = 5_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/** The child's side: answers every request with `handle`'s result, or its error message. */
export function serve<Request>(handle: (body: Request) => Promise<unknown>): void {
  if (!process.send) throw new Error('this module runs as a child of bench/run.ts (no IPC channel)');
  process.on('message', (message: Envelope<Request>) => {
    handle(message.body).then(
      (value) => process.send?.({ id: message.id, ok: true, value } satisfies Answer),
      (error: unknown) =>
        process.send?.({
          id: message.id,
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        } satisfies Answer),
    );
  });
  // The orchestrator going away must not leave children running.
  process.on('disconnect', () => process.exit(0));
}
