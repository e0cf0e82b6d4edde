/**
 * `--profile`: a CPU profile of this process (where the bridge runs) during the sustained section,
 * boiled down to "which component burns the CPU". Off by default: the profiler costs throughput.
 */
import { writeFileSync } from 'node:fs';
import type { Profiler } from 'node:inspector';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { round } from './stats.js';

export interface ProfileSummary {
  file: string;
  /** Share of wall time the main thread was not idle. */
  busyPercent: number;
  /** Share of busy time per component, largest first. */
  components: Array<{ component: string; percent: number }>;
}

export async function startProfiler(): Promise<{ stop(): Promise<ProfileSummary> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      const file = join(tmpdir(), `fx-bridge-bench-${Date.now()}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      return { file, ...summarizeProfile(profile) };
    },
  };
}

/**
 * The component a frame belongs to: its npm package, or src/<folder>. Node's own frames (net,
 * http parser, streams) have none, so their time goes to the nearest caller that has one.
 */
function ownerOf(url: string): string | undefined {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1];
  const local = /\/(src|bench|test)\/(?:([^/]+)\/)?/.exec(url);
  if (local) return local[1] === 'src' && local[2] && !local[2].includes('.') ? `src/${local[2]}` : local[1];
  return undefined;
}

export function summarizeProfile(profile: Profiler.Profile): Omit<ProfileSummary, 'file'> {
  const parent = new Map<number, number>();
  const byId = new Map<number, Profiler.ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const ownerCache = new Map<number, string>();
  const componentOf = (id: number): string => {
    const cached = ownerCache.get(id);
    if (cached) return cached;
    const leaf = byId.get(id)?.callFrame.functionName ?? '';
    let owner: string | undefined;
    if (leaf === '(garbage collector)' || leaf === '(idle)' || leaf === '(program)') owner = leaf;
    for (let current: number | undefined = id; owner === undefined && current !== undefined; ) {
      owner = ownerOf(byId.get(current)?.callFrame.url ?? '');
      current = parent.get(current);
    }
    const result = owner ?? 'node core (http server, net, timers)';
    ownerCache.set(id, result);
    return result;
  };
  const time = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let total = 0;
  samples.forEach((id, index) => {
    const delta = deltas[index] ?? 0;
    total += delta;
    const component = componentOf(id);
    time.set(component, (time.get(component) ?? 0) + delta);
  });
  const idle = time.get('(idle)') ?? 0;
  time.delete('(idle)');
  const busy = Math.max(1, total - idle);
  return {
    busyPercent: round((busy / Math.max(1, total)) * 100, 1),
    components: [...time.entries()]
      .map(([component, micros]) => ({ component, percent: round((micros / busy) * 100, 1) }))
      .sort((a, b) => b.percent - a.percent)
      .slice(0, 14),
  };
}
