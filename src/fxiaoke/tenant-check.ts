/**
 * Install mode's connect form: do these credentials get a token from Fxiaoke? One attempt, no
 * retries, within the time a modal's answer has (Slack waits 3 s for it); the client is closed
 * after. A refusal comes back with Fxiaoke's code and traceId, for the form to show inline.
 */
import type { FxiaokeTenant } from '../installs/vault.js';
import { FxiaokeClient } from './client.js';
import { FxiaokeError } from './errors.js';
import { tenantCredentials } from './from-config.js';

export type TenantCheck =
  | { ok: true }
  | { ok: false; errorCode: number | undefined; traceId: string | undefined; meaning: string };

export async function checkTenant(tenant: FxiaokeTenant, timeoutMs: number): Promise<TenantCheck> {
  const client = new FxiaokeClient({
    ...tenantCredentials(tenant),
    timeoutMs,
    retry: { maxRetries: 0 },
  });
  try {
    await client.checkCredentials();
    return { ok: true };
  } catch (error) {
    if (error instanceof FxiaokeError) {
      return { ok: false, errorCode: error.errorCode, traceId: error.traceId, meaning: error.meaning };
    }
    return { ok: false, errorCode: undefined, traceId: undefined, meaning: 'Fxiaoke could not be reached' };
  } finally {
    await client.close().catch(() => undefined);
  }
}
