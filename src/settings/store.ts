/** The settings every store keeps beside its relays (settings/port.ts), as installationsOf finds installations. */
import { StoreError } from '../store/errors.js';
import type { RelayStore } from '../store/interface.js';
import type { SettingsStorePort } from './port.js';

export function settingsOf(store: RelayStore): SettingsStorePort {
  // Each store class has a `settingsOverrides` getter; the metrics proxy (http/metrics.ts) passes it on.
  const holder = store as Partial<{ settingsOverrides: SettingsStorePort }>;
  if (!holder.settingsOverrides) throw new StoreError('This store keeps no settings');
  return holder.settingsOverrides;
}
