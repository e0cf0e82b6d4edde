/**
 * The bridge as a real child process (`node --import tsx src/main.ts` or `src/cli.ts start`), for
 * the tests that stop it with signals, kill it and start it again on the same store: a free port,
 * the child's environment (emulator as Fxiaoke, fake Slack Web API, HTTP mode), the process with
 * its output kept for failure messages, and a pool that kills whatever is left after a test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import type { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import { TEST_SIGNING_SECRET } from '../../dev/fakes/slack-requests.js';
import { waitFor } from '../poll.js';
import { nodeArgsFor } from '../process-build.js';
import { BOT_TOKEN, emulatorEnv } from './harness.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Ports for bridges a test starts as processes: below Linux's ephemeral range (32768–60999), so no
 * outgoing connection of any process on the machine can be given the port between this check and
 * the bridge binding it. A port the OS picked itself (listen on 0) comes from that very range, and
 * once in a suite run a client connection took one first: "port … is already in use".
 */
const PORTS = { from: 20_000, to: 32_767 };
/** Handed out by this test process already: never twice, even once the bridge on it has stopped. */
const handedOut = new Set<number>();

/** A port nobody listens on right now, outside the ephemeral range; the bridge binds it a moment later. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = PORTS.from + Math.floor(Math.random() * (PORTS.to - PORTS.from + 1));
    if (handedOut.has(port)) continue;
    if (await isFree(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port between ${PORTS.from} and ${PORTS.to} after 200 tries`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export interface BridgeEnvOptions {
  emulator: FxiaokeEmulator;
  slack: FakeSlackApi;
  port: number;
  storeUrl: string;
  /** Path of the YAML file passed as FX_BRIDGE_CONFIG. */
  configFile?: string;
  /** Added last, so they override the defaults (REDIS_KEY_PREFIX, LOG_LEVEL, …). */
  extra?: Record<string, string>;
}

/** A complete environment for one bridge process; nothing is inherited but PATH and HOME. */
export function bridgeEnv(options: BridgeEnvOptions): Record<string, string> {
  const { emulator, slack } = options;
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    TMPDIR: tmpdir(),
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_MODE: 'http',
    SLACK_API_URL: slack.url,
    PORT: String(options.port),
    ...emulatorEnv(emulator, 3000),
    ...(options.configFile ? { FX_BRIDGE_CONFIG: options.configFile } : {}),
    STORE_URL: options.storeUrl,
    LOG_LEVEL: 'info',
    ...options.extra,
  };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One bridge process; its output is kept for the failure message. */
export class BridgeProcess {
  output = '';
  readonly exited: Promise<Exit>;
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

  static spawn(args: string[], env: Record<string, string>): BridgeProcess {
    const [entry = 'src/main.ts', ...rest] = args;
    const child = spawn(process.execPath, [...nodeArgsFor(entry), ...rest], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new BridgeProcess(child);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async healthy(baseUrl: string, timeoutMs = 30_000): Promise<void> {
    const outcome = await waitFor(
      async () => {
        // An exit ends the wait at once: it will not become healthy.
        if (!this.running) return 'exited';
        const ok = await fetch(`${baseUrl}/healthz`).then(
          (response) => response.ok,
          () => false,
        );
        if (!ok) throw new Error(`bridge not healthy within ${timeoutMs} ms:\n${this.output}`);
        return 'healthy';
      },
      { timeout: timeoutMs, interval: 25 },
    );
    if (outcome === 'exited') throw new Error(`bridge exited before it was healthy:\n${this.output}`);
  }

  /** Sends the signal and waits for the exit. */
  async kill(signal: NodeJS.Signals): Promise<Exit> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }
}

/** Every process a test started, so afterEach kills the ones still running (by their own pid). */
export class BridgeProcesses {
  readonly #all: BridgeProcess[] = [];

  start(args: string[], env: Record<string, string>): BridgeProcess {
    const child = BridgeProcess.spawn(args, env);
    this.#all.push(child);
    return child;
  }

  async killAll(): Promise<void> {
    await Promise.all(this.#all.splice(0).map((child) => child.kill('SIGKILL')));
  }
}
