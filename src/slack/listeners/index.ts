/** Registers every listener; one file per listener, as in slack-samples/bolt-ts-starter-template. */
import type { App } from '@slack/bolt';
import type { ListenerContext } from '../context.js';
import type { AckSeam } from '../receiver/record-before-ack.js';
import { registerCancelHeld } from './actions/cancel-held.js';
import { registerRevokeButton } from './actions/revoke-button.js';
import { registerSendReachable } from './actions/send-reachable.js';
import { registerSettingsEdit } from './actions/settings-edit.js';
import { registerUpdateButtons } from './actions/update-buttons.js';
import { registerFxSendCommand } from './commands/fx-send.js';
import { registerAppHomeOpened } from './events/app-home-opened.js';
import { registerMessageSync } from './events/message-sync.js';
import { registerRoutes } from './events/routes.js';
import { registerRecipientOptions } from './options/recipients.js';
import { registerRevokeShortcut } from './shortcuts/revoke-message.js';
import { registerSendShortcut } from './shortcuts/send-message.js';
import { registerComposeSubmission } from './views/compose-submission.js';
import { registerSettingsSubmission } from './views/settings-submission.js';

/** `seam`: where a door records an event before Bolt acks it (receiver/record-before-ack.ts). */
export function registerListeners(app: App, context: ListenerContext, seam: AckSeam): void {
  registerFxSendCommand(app, context);
  registerSendShortcut(app, context);
  registerRevokeShortcut(app, context);
  registerRevokeButton(app, context);
  registerSendReachable(app, context);
  registerCancelHeld(app, context);
  registerComposeSubmission(app, context);
  registerRecipientOptions(app, context);
  registerAppHomeOpened(app, context);
  registerMessageSync(app, context, seam);
  registerRoutes(app, context, seam);
  registerUpdateButtons(app, context);
  registerSettingsEdit(app, context);
  registerSettingsSubmission(app, context);
}
