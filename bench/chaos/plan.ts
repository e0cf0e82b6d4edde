/**
 * The operations of a chaos run, drawn from one seed before anything runs: the plan is a pure
 * function of (seed, count, mix, replicas), so `--seed N` names the same operations every time and
 * a violation can be replayed from its operation indexes. What the operations meet when they run
 * (timing, a replica that is down) is not in the plan: the history records it.
 *
 * Operations refer to earlier ones by their index (`target`: the send they act on), never by ids
 * the bridge minted: the driver resolves a target at run time from what Slack showed the user.
 */
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { Fault } from '../../dev/fakes/fxiaoke-emulator.js';

/** Who a `/fx-send` goes to: reachable people, one who left (held), or nobody known (refused). */
export type CommandRecipients = 'reachable' | 'held' | 'unknown';

export type SyncMode = 'ask' | 'auto';

export type Op =
  /** `/fx-send <recipients> <text>`; its text carries the tag of this op (see `tagOf`). */
  | { kind: 'command'; recipients: CommandRecipients; replica: number }
  /** **Send to Fxiaoke** on a fresh Slack message of the sender: the shortcut, then the modal's Send. */
  | { kind: 'shortcut-send'; replica: number }
  /** The Revoke button (value: the relay id the user saw) on the target's receipt or answer. */
  | { kind: 'revoke-button'; target: number; replica: number }
  /** **Revoke from Fxiaoke** on the target's Slack message (its receipt, or the original message). */
  | { kind: 'revoke-shortcut'; target: number; replica: number }
  /** The sender edits the target's Slack message (`message_changed`); delivered `delayMs` late. */
  | { kind: 'edit'; target: number; replica: number; delayMs: number }
  /** The sender deletes the target's Slack message (`message_deleted`). */
  | { kind: 'delete'; target: number; replica: number }
  /** A held relay's "Send to the N who can be reached" or "Cancel". */
  | { kind: 'held-answer'; target: number; choice: 'confirm' | 'cancel'; replica: number }
  /** A button of the latest question about an edit or delete of the target (ask mode). */
  | { kind: 'offer-answer'; target: number; choice: 'update' | 'skip' | 'revoke' | 'keep'; replica: number }
  /** Slack delivers an earlier operation's request again, byte for byte (same ids), to any replica. */
  | { kind: 'redeliver'; of: number; replica: number }
  /** The next Fxiaoke call on `path` (every path when undefined) meets this fault. */
  | { kind: 'fault'; fault: Fault; path: string | undefined }
  /** `kill -9` of a replica (whatever it is doing). */
  | { kind: 'kill'; replica: number }
  /** The replica starts again (if it is down), with these sync settings in its config file. */
  | { kind: 'restart'; replica: number; edits: SyncMode; deletes: SyncMode }
  /** The store goes away (the private redis-server is killed) / comes back. */
  | { kind: 'store-down' }
  | { kind: 'store-up' }
  /** Nothing new for a while: work under way goes on. */
  | { kind: 'pause'; ms: number };

export type OpKind = Op['kind'];

export interface PlannedOp {
  index: number;
  op: Op;
  /** How long the driver waits after starting this operation before starting the next. */
  gapMs: number;
}

/** Relative weights of the operation kinds a plan draws (kinds with weight 0 never appear). */
export type Mix = Partial<Record<DrawnKind, number>>;

/** Kinds drawn directly; `restart` and `store-up` follow a `kill` / `store-down` on their own. */
type DrawnKind = Exclude<OpKind, 'restart' | 'store-up'>;

export const PATHS = {
  send: '/cgi/app/message/send',
  revoke: '/cgi/app/message/revoke',
} as const;

/** Every fault of the emulator's list the campaign injects, with its weight. */
const FAULTS: ReadonlyArray<readonly [Fault, number]> = [
  [{ type: 'timeout' }, 2],
  [{ type: 'accept-then-reset' }, 3],
  [{ type: 'reset' }, 2],
  [{ type: 'error-after-delivery' }, 3],
  [{ type: 'error', errorCode: 50009 }, 2],
  [{ type: 'error', errorCode: -1 }, 1],
  [{ type: 'error', errorCode: 30004 }, 1],
  [{ type: 'http', status: 429, headers: { 'retry-after': '1' } }, 2],
  [{ type: 'http', status: 401 }, 2],
  [{ type: 'http', status: 500 }, 1],
  [{ type: 'http', status: 502 }, 1],
  [{ type: 'http', status: 503 }, 1],
  [{ type: 'http', status: 504 }, 1],
  [{ type: 'non-json' }, 2],
  [{ type: 'latency', ms: 1500 }, 2],
];

export const MIXES = {
  /** Everything the campaign knows, as `npm run chaos` runs it by default. */
  full: {
    command: 16,
    'shortcut-send': 12,
    'revoke-button': 5,
    'revoke-shortcut': 4,
    edit: 12,
    delete: 3,
    'held-answer': 4,
    'offer-answer': 6,
    redeliver: 6,
    fault: 12,
    kill: 1.2,
    'store-down': 0.8,
    pause: 3,
  },
  /** Sends and revokes with Fxiaoke's faults: no edits, no crashes. */
  sends: {
    command: 20,
    'shortcut-send': 8,
    'revoke-button': 6,
    'revoke-shortcut': 5,
    'held-answer': 4,
    redeliver: 6,
    fault: 10,
    pause: 2,
  },
  /** Edits and deletes of relayed messages in order, with their questions; no faults, no crashes. */
  edits: {
    'shortcut-send': 10,
    edit: 14,
    delete: 3,
    'offer-answer': 8,
    'revoke-shortcut': 2,
    pause: 3,
  },
  /** Edits delivered late and twice: Slack's out-of-order deliveries. */
  reorder: {
    'shortcut-send': 8,
    edit: 20,
    redeliver: 6,
    pause: 2,
  },
  /** kill -9 at random points, with sends queued behind a tight rate budget. */
  crash: {
    command: 20,
    'shortcut-send': 6,
    'revoke-button': 3,
    kill: 4,
    pause: 1,
  },
} as const satisfies Record<string, Mix>;

export type MixName = keyof typeof MIXES;

export interface PlanOptions {
  seed: number;
  count: number;
  mix: Mix;
  /** Replicas behind the load balancer (1 on SQLite, 2 on Redis). */
  replicas: number;
  /** Whether the store can be taken away (a private server the run owns). */
  storeOutages: boolean;
}

/** A seeded source of choices; every random decision of the campaign goes through one. */
export class Prng {
  readonly #rng: ReturnType<typeof xoroshiro128plus>;
  constructor(seed: number) {
    this.#rng = xoroshiro128plus(seed);
  }
  int(min: number, max: number): number {
    return uniformInt(this.#rng, min, max);
  }
  chance(probability: number): boolean {
    return this.int(0, 9_999) < probability * 10_000;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from nothing');
    return items[this.int(0, items.length - 1)]!;
  }
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = (this.int(0, 999_999) / 1_000_000) * total;
    for (const [item, weight] of items) {
      roll -= weight;
      if (roll < 0) return item;
    }
    return items.at(-1)![0];
  }
}

/** The tag an operation's text carries, `(cx s12 e0)`: op 12's send, edit 0 (the original). */
export function tagOf(send: number, edit: number): string {
  return `(cx s${send} e${edit})`;
}

const TAG = /\(cx s(\d+) e(\d+)\)/g;

/** Every tag in a text: which send and which edit of it the text is. */
export function tagsIn(text: string): Array<{ send: number; edit: number }> {
  return [...text.matchAll(TAG)].map((match) => ({ send: Number(match[1]), edit: Number(match[2]) }));
}

export function planOps(options: PlanOptions): PlannedOp[] {
  const prng = new Prng(options.seed);
  const plan: PlannedOp[] = [];
  const commands: number[] = [];
  const held: number[] = [];
  const shortcutSends: number[] = [];
  const revocable: number[] = [];
  const deliveries: number[] = [];
  /** Follow-ups already decided: index → operation (a restart after a kill, the store's return). */
  const due = new Map<number, Op>();
  const down = new Set<number>();
  let storeDown = false;
  const weights = Object.entries(options.mix).filter(([, weight]) => (weight ?? 0) > 0) as Array<
    [DrawnKind, number]
  >;
  const syncMode = (): SyncMode => (prng.chance(0.5) ? 'ask' : 'auto');

  for (let index = 0; index < options.count; index += 1) {
    const replica = prng.int(0, options.replicas - 1);
    let op = due.get(index);
    due.delete(index);
    while (op === undefined) op = draw(prng.weighted(weights), index, replica);
    if (op.kind === 'restart') down.delete(op.replica);
    if (op.kind === 'store-up') storeDown = false;
    plan.push({ index, op, gapMs: op.kind === 'pause' ? 0 : prng.int(0, 120) });
    if ('replica' in op && op.kind !== 'kill' && op.kind !== 'restart') deliveries.push(index);
  }
  // Whatever is still down comes back before the run settles.
  for (const op of due.values()) plan.push({ index: plan.length, op, gapMs: 0 });
  return plan;

  function later(from: number, op: Op): void {
    let at = from + prng.int(2, 8);
    while (due.has(at)) at += 1;
    due.set(at, op);
  }

  function draw(kind: DrawnKind, index: number, replica: number): Op | undefined {
    switch (kind) {
      case 'command': {
        const recipients = prng.weighted<CommandRecipients>([
          ['reachable', 8],
          ['held', 2],
          ['unknown', 1],
        ]);
        commands.push(index);
        if (recipients === 'held') held.push(index);
        if (recipients === 'reachable') revocable.push(index);
        return { kind, recipients, replica };
      }
      case 'shortcut-send':
        shortcutSends.push(index);
        revocable.push(index);
        return { kind, replica };
      case 'revoke-button':
      case 'revoke-shortcut':
        if (revocable.length === 0) return undefined;
        return { kind, target: recent(revocable), replica };
      case 'edit':
        if (shortcutSends.length === 0) return undefined;
        return {
          kind,
          target: recent(shortcutSends),
          replica,
          delayMs: prng.chance(0.25) ? prng.int(200, 2500) : 0,
        };
      case 'delete': {
        if (shortcutSends.length === 0) return undefined;
        const target = recent(shortcutSends);
        // A message is deleted once; nothing is done to it afterwards.
        shortcutSends.splice(shortcutSends.indexOf(target), 1);
        return { kind, target, replica };
      }
      case 'held-answer':
        if (held.length === 0) return undefined;
        return {
          kind,
          target: held.splice(prng.int(0, held.length - 1), 1)[0]!,
          choice: prng.chance(0.7) ? 'confirm' : 'cancel',
          replica,
        };
      case 'offer-answer':
        if (shortcutSends.length === 0) return undefined;
        return {
          kind,
          target: recent(shortcutSends),
          choice: prng.weighted<'update' | 'skip' | 'revoke' | 'keep'>([
            ['update', 5],
            ['skip', 2],
            ['revoke', 2],
            ['keep', 1],
          ]),
          replica,
        };
      case 'redeliver':
        if (deliveries.length === 0) return undefined;
        return { kind, of: recent(deliveries), replica };
      case 'fault': {
        const fault = prng.weighted(FAULTS);
        const path = prng.weighted<string | undefined>([
          [PATHS.send, 6],
          [PATHS.revoke, 3],
          [undefined, 1],
        ]);
        return { kind, fault, path };
      }
      case 'kill': {
        const alive = [...Array(options.replicas).keys()].filter((r) => !down.has(r));
        // Never every replica at once with more than one: one stays to take the work over.
        if (alive.length === 0 || (options.replicas > 1 && alive.length === 1)) return undefined;
        const victim = prng.pick(alive);
        down.add(victim);
        later(index, { kind: 'restart', replica: victim, edits: syncMode(), deletes: syncMode() });
        return { kind, replica: victim };
      }
      case 'store-down':
        if (!options.storeOutages || storeDown) return undefined;
        storeDown = true;
        later(index, { kind: 'store-up' });
        return { kind };
      case 'pause':
        return { kind, ms: prng.int(200, 1500) };
    }
  }

  /** An earlier operation, the recent ones more likely (people act on what they just sent). */
  function recent(indexes: readonly number[]): number {
    const window = Math.min(indexes.length, 8);
    return indexes[indexes.length - 1 - prng.int(0, window - 1)]!;
  }
}

/** The sync settings every replica starts with, drawn from the seed too. */
export function initialSync(seed: number): { edits: SyncMode; deletes: SyncMode } {
  const prng = new Prng(seed ^ 0x5eed);
  return { edits: prng.chance(0.5) ? 'ask' : 'auto', deletes: prng.chance(0.5) ? 'ask' : 'auto' };
}

/** One line per operation, for the plan printed with a violation. */
export function describeOp(planned: PlannedOp): string {
  const { index, op } = planned;
  const at = (replica: number) => `→ replica ${replica}`;
  switch (op.kind) {
    case 'command':
      return `#${index} /fx-send to ${op.recipients} recipients ${tagOf(index, 0)} ${at(op.replica)}`;
    case 'shortcut-send':
      return `#${index} Send to Fxiaoke on a new message ${tagOf(index, 0)} ${at(op.replica)}`;
    case 'revoke-button':
      return `#${index} Revoke button on #${op.target} ${at(op.replica)}`;
    case 'revoke-shortcut':
      return `#${index} Revoke from Fxiaoke shortcut on #${op.target}'s message ${at(op.replica)}`;
    case 'edit':
      return `#${index} edit of #${op.target}'s message${op.delayMs ? ` (delivered ${op.delayMs} ms late)` : ''} ${at(op.replica)}`;
    case 'delete':
      return `#${index} delete of #${op.target}'s message ${at(op.replica)}`;
    case 'held-answer':
      return `#${index} ${op.choice} on held relay #${op.target} ${at(op.replica)}`;
    case 'offer-answer':
      return `#${index} ${op.choice} on the latest question about #${op.target} ${at(op.replica)}`;
    case 'redeliver':
      return `#${index} Slack delivers #${op.of}'s request again ${at(op.replica)}`;
    case 'fault':
      return `#${index} next Fxiaoke call on ${op.path ?? 'any path'}: ${JSON.stringify(op.fault)}`;
    case 'kill':
      return `#${index} kill -9 replica ${op.replica}`;
    case 'restart':
      return `#${index} restart replica ${op.replica} (sync.edits ${op.edits}, sync.deletes ${op.deletes})`;
    case 'store-down':
      return `#${index} store outage (redis-server killed)`;
    case 'store-up':
      return `#${index} store back (redis-server started)`;
    case 'pause':
      return `#${index} pause ${op.ms} ms`;
  }
}
