/**
 * The wiring step of the settings edited in Slack (single-workspace mode): the settings in force,
 * read from the store at start and polled after, and the editor the App Home uses. Stopped with the
 * bridge, before the store closes (closers run in reverse).
 */
import type { Wiring } from '../bridge-steps.js';
import type { RelayStore } from '../store/interface.js';
import type { Closers } from '../util/closers.js';
import { SettingsEditor } from './editor.js';
import { LiveSettings } from './live.js';
import { WORKSPACE_SCOPE } from './port.js';
import { settingsOf } from './store.js';

export async function openLiveSettings(
  { config, options, logger }: Wiring,
  closers: Closers,
  store: RelayStore,
): Promise<{ live: LiveSettings; editor: SettingsEditor }> {
  const port = settingsOf(store);
  const live = new LiveSettings({
    store: port,
    scope: WORKSPACE_SCOPE,
    file: config.file,
    log: logger.child({ component: 'settings' }),
  });
  await live.start();
  closers.add(() => live.stop());
  return { live, editor: new SettingsEditor(live, port, options.now) };
}
