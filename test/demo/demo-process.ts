/**
 * `npm run demo` as a real child process (the same entry point, through tsx): its output as it
 * comes, the page's URL once it is served, and a stop with SIGINT, as Ctrl-C sends it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export class DemoProcess {
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString('utf8');
    });
    this.exited = once(child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
  }

  /** No .env and no Slack or Fxiaoke variables: the demo must need none. */
  static start(args: string[]): DemoProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', 'dev/demo/main.ts', ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new DemoProcess(child);
  }

  /** Resolves with the page URL once the demo says it serves it; rejects if the demo exits first. */
  async pageUrl(): Promise<string> {
    const exitedEarly = this.exited.then((exit) => {
      throw new Error(`the demo exited (${JSON.stringify(exit)}) before serving its page:\n${this.output}`);
    });
    const served = new Promise<string>((resolve) => {
      const check = () => {
        const url = /Try it yourself: open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(this.output)?.[1];
        if (url) {
          resolve(url);
          return;
        }
        this.child.stdout?.once('data', check);
      };
      check();
    });
    return Promise.race([served, exitedEarly]);
  }

  async interrupt(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGINT');
    return this.exited;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
