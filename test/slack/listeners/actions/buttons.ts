/** Bolt-shaped arguments of a block button click, for the action door tests. */
import type { ButtonArgs } from '../../../../src/slack/listeners/actions/cancel-held.js';
import { type Door, recorder, SENDER } from '../door-kit.js';

export function click(d: Door, actionId: string, value: string, options: { responseUrl?: boolean } = {}) {
  const ack = recorder(d);
  const respond = recorder();
  const action = { type: 'button', action_id: actionId, block_id: 'b', value, action_ts: '1.2' };
  const body = {
    type: 'block_actions',
    user: { id: SENDER, name: 'sender' },
    actions: [action],
    ...(options.responseUrl === false ? {} : { response_url: 'https://hooks.slack.test/actions/1' }),
  };
  // Only the fields the listener reads: Bolt's full argument object has many more.
  const args = { ack, respond, body, action, client: d.client } as unknown as ButtonArgs;
  return { ack, respond, args };
}
