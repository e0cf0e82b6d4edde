/** The part of the Fxiaoke client's options that comes straight from the configuration. */
import type { Config } from '../config.js';
import type { FxiaokeTenant } from '../installs/vault.js';
import type { FxiaokeClientOptions } from './client.js';

export type FxiaokeConnection = Pick<
  FxiaokeClientOptions,
  | 'baseUrl'
  | 'appId'
  | 'appSecret'
  | 'permanentCode'
  | 'authMode'
  | 'userId'
  | 'serviceId'
  | 'timeoutMs'
  | 'convertUserId'
  | 'mediaUploadPath'
  | 'revokeDoneCodes'
>;

/** Where and as whom to call Fxiaoke: the same for the bridge and for `fx-bridge check`. */
export function fxiaokeConnection(fx: Config['fxiaoke']): FxiaokeConnection {
  return {
    baseUrl: fx.baseUrl,
    appId: fx.appId,
    appSecret: fx.appSecret,
    permanentCode: fx.permanentCode,
    authMode: fx.authMode,
    userId: fx.userId,
    serviceId: fx.serviceId,
    timeoutMs: fx.timeoutMs,
    convertUserId: fx.convertUserId,
    mediaUploadPath: fx.mediaUploadPath,
    revokeDoneCodes: fx.revokeDoneCodes,
  };
}

/** Install mode: where and as whom a workspace's own tenant is called, as connected in Slack. */
export function tenantCredentials(
  tenant: FxiaokeTenant,
): Pick<
  FxiaokeConnection,
  'baseUrl' | 'appId' | 'appSecret' | 'permanentCode' | 'authMode' | 'userId' | 'serviceId'
> {
  return {
    baseUrl: tenant.baseUrl,
    appId: tenant.appId,
    appSecret: tenant.appSecret,
    permanentCode: tenant.permanentCode,
    // The connect form checks credentials with /oauth2.0/token (tenant-check.ts): header mode.
    authMode: 'header',
    userId: tenant.userId,
    serviceId: tenant.serviceId,
  };
}

/** Install mode: a workspace's tenant with the operator's settings for everything else. */
export function tenantConnection(fx: Config['fxiaoke'], tenant: FxiaokeTenant): FxiaokeConnection {
  return { ...fxiaokeConnection(fx), ...tenantCredentials(tenant) };
}
