/** Bolt-shaped arguments of a message shortcut, for the shortcut door tests. */
import type { MessageShortcutArgs } from '../../../../src/slack/listeners/shortcuts/revoke-message.js';
import { CHANNEL, type Door, recorder, SENDER, TEAM } from '../door-kit.js';

export function messageShortcut(d: Door, callbackId: string, team: { id: string } | null = { id: TEAM }) {
  const ack = recorder(d);
  const respond = recorder();
  const shortcut = {
    type: 'message_action',
    callback_id: callbackId,
    trigger_id: 'trigger.2',
    team,
    user: { id: SENDER, name: 'sender', team_id: 'T0USER' },
    channel: { id: CHANNEL, name: 'general' },
    message: { ts: '1700000000.000100', text: 'the *numbers*', user: 'U0AUTHOR' },
    response_url: 'https://hooks.slack.test/shortcuts/1',
  };
  // Only the fields the listener reads: Bolt's full argument object has many more.
  const args = { ack, respond, shortcut, body: shortcut, client: d.client } as unknown as MessageShortcutArgs;
  return { ack, respond, args };
}
