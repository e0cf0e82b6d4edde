/** The part of the Fxiaoke client's options that comes straight from the configuration. */
import type { Config } from '../config.js';
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
