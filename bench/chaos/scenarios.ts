/**
 * Plans written by hand: the shortest operation sequences that show each defect the campaign found,
 * so a fix can be checked against its own story (`npm run chaos -- --scenario NAME`, and
 * test/chaos/regressions-*.test.ts). The random plans found them; these keep them fixed.
 */
import type { Op, PlannedOp } from './plan.js';
import type { CampaignOptions } from './run.js';

export interface Scenario {
  /** What it shows, and where the defect is described. */
  about: string;
  options: Omit<CampaignOptions, 'seed' | 'ops' | 'mix' | 'plan' | 'log'>;
  ops: Op[];
}

const command = (recipients: 'reachable' | 'held' | 'unknown' = 'reachable', replica = 0): Op => ({
  kind: 'command',
  recipients,
  replica,
});
const pause = (ms: number): Op => ({ kind: 'pause', ms });

export const SCENARIOS = {
  'queued-kill': {
    about:
      'issue 17 #1 (queued is not dispatched): kill -9 while relays wait for the Fxiaoke rate budget; ' +
      'after the restart their senders hear "may or may not have arrived" although no call left',
    options: { backend: 'sqlite', rateBudget: { calls: 1, windowMs: 5_000 } },
    ops: [
      command(),
      command(),
      command(),
      command(),
      pause(800),
      { kind: 'kill', replica: 0 },
      {
        kind: 'restart',
        replica: 0,
        edits: 'auto',
        deletes: 'auto',
      },
    ],
  },
  'late-edit': {
    about:
      'issue 17 #2 (the latest edit wins): an edit Slack delivers late is applied after a newer one, ' +
      'so Fxiaoke ends with the older text',
    options: {
      backend: 'sqlite',
      rateBudget: { calls: 100, windowMs: 20_000 },
      sync: { edits: 'auto', deletes: 'ask' },
    },
    ops: [
      { kind: 'shortcut-send', replica: 0 },
      pause(2_500),
      { kind: 'edit', target: 0, replica: 0, delayMs: 2_000 },
      { kind: 'edit', target: 0, replica: 0, delayMs: 0 },
      pause(6_000),
    ],
  },
  'edit-burst': {
    about:
      'issue 17 #3 (edits are coalesced): edits in quick succession find the relay busy and are answered ' +
      'HTTP 500, each update sent on its own',
    options: {
      backend: 'sqlite',
      rateBudget: { calls: 100, windowMs: 20_000 },
      sync: { edits: 'auto', deletes: 'ask' },
    },
    ops: [
      { kind: 'shortcut-send', replica: 0 },
      pause(2_500),
      ...Array.from({ length: 4 }, (): Op => ({ kind: 'edit', target: 0, replica: 0, delayMs: 0 })),
      pause(4_000),
    ],
  },
  'expired-response-url': {
    about:
      'issue 17 #4 (a failure is heard after the response_url is gone): relays queued past the ' +
      "response_url's life fail, and their only answer goes to the dead URL",
    options: { backend: 'sqlite', rateBudget: { calls: 1, windowMs: 3_000 }, responseUrlTtlMs: 2_500 },
    ops: [command('unknown'), command('unknown'), command('unknown'), command('unknown'), pause(1_000)],
  },
  'lost-revoke-answer': {
    about:
      'issue 17 #5 (a lost revoke answer stays uncertain): Fxiaoke revokes but the answer is lost; a ' +
      'second Revoke gets "already revoked" and the receipt says "✅ Sent" again',
    options: { backend: 'sqlite', rateBudget: { calls: 100, windowMs: 20_000 } },
    ops: [
      command(),
      pause(2_500),
      { kind: 'fault', fault: { type: 'accept-then-reset' }, path: '/cgi/app/message/revoke' },
      { kind: 'revoke-button', target: 0, replica: 0 },
      pause(2_500),
      { kind: 'revoke-button', target: 0, replica: 0 },
      pause(2_500),
    ],
  },
  'lost-update-revoke-answer': {
    about:
      'found by the campaign (the update variant of issue 17 #5): an edit revokes the old copy, Fxiaoke ' +
      'revokes it but the answer is lost; the sender reads "Nothing new was sent … The old copy stays in ' +
      'Fxiaoke", and after "Send the new text" (the revoke met "already revoked") "recipients have both"',
    options: {
      backend: 'sqlite',
      rateBudget: { calls: 100, windowMs: 20_000 },
      sync: { edits: 'auto', deletes: 'ask' },
    },
    ops: [
      { kind: 'shortcut-send', replica: 0 },
      pause(2_000),
      { kind: 'fault', fault: { type: 'accept-then-reset' }, path: '/cgi/app/message/revoke' },
      { kind: 'edit', target: 0, replica: 0, delayMs: 0 },
      pause(2_500),
      { kind: 'offer-answer', target: 0, choice: 'update', replica: 0 },
      pause(2_000),
    ],
  },
  'update-not-delivered': {
    about:
      'found by the campaign: an update whose new text Fxiaoke refused is answered "✅ Updated in ' +
      'Fxiaoke: the new text (version 2) was sent to 1 person", its status line saying otherwise',
    options: {
      backend: 'sqlite',
      rateBudget: { calls: 100, windowMs: 20_000 },
      sync: { edits: 'auto', deletes: 'ask' },
    },
    ops: [
      { kind: 'shortcut-send', replica: 0 },
      pause(2_000),
      { kind: 'fault', fault: { type: 'error', errorCode: 20012 }, path: '/cgi/app/message/send' },
      { kind: 'edit', target: 0, replica: 0, delayMs: 0 },
      pause(2_500),
    ],
  },
  'store-outage-queued': {
    about:
      'found by the campaign (not in issue 17): relays waiting in the work queue when the store goes ' +
      'away are answered "internal error … Part of it may already be in Fxiaoke, so it will not be sent ' +
      'again automatically" although no call was made; once the store is back they are taken over and sent',
    options: { backend: 'redis', rateBudget: { calls: 1, windowMs: 8_000 } },
    ops: [
      command(),
      command(),
      command(),
      pause(1_500),
      { kind: 'store-down' },
      pause(12_000),
      { kind: 'store-up' },
    ],
  },
} as const satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof SCENARIOS;

export function scenarioPlan(scenario: Scenario): PlannedOp[] {
  return scenario.ops.map((op, index) => ({ index, op, gapMs: 0 }));
}
