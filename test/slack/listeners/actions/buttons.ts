/** Bolt-shaped arguments of a block button click, for the action door tests. */
import type { ButtonArgs } from '../../../../src/slack/listeners/actions/cancel-held.js';
import { type Door, recorder, SENDER } from '../door-kit.js';

/** `userId`: who clicked (the sender by default); `viewId`: a click in a modal (the compose window). */
export function click(
  d: Door,
  actionId: string,
  value: string,
  options: { responseUrl?: boolean; userId?: string; viewId?: string } = {},
) {
  const ack = recorder(d);
  const respond = recorder();
  const action = { type: 'button', action_id: actionId, block_id: 'b', value, action_ts: '1.2' };
  const body = {
    type: 'block_actions',
    user: { id: options.userId ?? SENDER, name: 'sender' },
    actions: [action],
    ...(options.responseUrl === false ? {} : { response_url: 'https://hooks.slack.test/actions/1' }),
    ...(options.viewId ? { view: { id: options.viewId, type: 'modal' } } : {}),
  };
  // Only the fields the listener reads: Bolt's full argument object has many more.
  const args = { ack, respond, body, action, client: d.client } as unknown as ButtonArgs;
  return { ack, respond, args };
}
