/**
 * Error codes the emulator answers with. Codes from the spec page keep their documented meaning;
 * codes the spec does not cover are INVENTED and live in the 9xxxx range so that nobody mistakes
 * them for real Fxiaoke codes (the bridge classifies them as 'unknown'). The list of invented
 * codes and assumptions is repeated at the top of `dev/fakes/fxiaoke-emulator.ts`.
 */
export const CODE = {
  OK: 0,
  // --- documented codes ---
  SYSTEM_BUSY: -1,
  SYSTEM_ERROR: -2,
  TOKEN_INVALID: 20016,
  APP_CREDENTIALS_WRONG: 20006,
  /** A wrong appSecret: the code a 2026 live probe got. */
  APP_SECRET_WRONG: 10006,
  /** An id in toUser of the wrong form for the auth style and convertUserId. */
  OPEN_USER_ID_INVALID: 11008,
  /** A parameter out of its documented bounds (article lengths, composite without link). */
  PARAMETER_INVALID: 15002,
  /** Fxiaoke timed out internally (modelled after delivery: timeoutAfterDelivery). */
  INTERNAL_TIMEOUT: 50009,
  PERMANENT_CODE_WRONG: 20015,
  /** Used for: no credentials at all (a live probe), x-fs-ea or corpId not matching the company. */
  CORP_NOT_FOUND: 20017,
  TO_USER_MISSING: 10015,
  /** Used for: more than 500 recipients, or a recipient that is not a non-empty string. */
  TO_USER_INVALID: 11016,
  USER_NOT_FOUND: 20012,
  /** Used for: a recipient whose directory entry has isStop (assumption). */
  EMPLOYEE_NOT_FOUND: 30027,
  MSG_TYPE_INVALID: 11017,
  /** Used for: known Fxiaoke msgTypes the emulator does not take (image, file, voice, video). */
  MSG_TYPE_UNSUPPORTED: 12003,
  CONTENT_EMPTY: 12005,
  FREQUENCY_EXCEEDED: 30004,
  DAILY_QUOTA_EXCEEDED: 30002,
  /** `/cgi/user/list` and `simpleList`: no such department (sdk: 11009 / 30007). */
  DEPARTMENT_INVALID: 11009,
  /** Used for: serviceId missing or not one of the app's service accounts (assumption). */
  NO_PERMISSION: 20014,
  // --- invented by the emulator ---
  /** Query parameter thirdTraceId given but not a UUID v4 (a missing one is accepted). */
  THIRD_TRACE_ID_INVALID: 90001,
  /** Body empty, not JSON, or not a JSON object. */
  BODY_INVALID: 90002,
  /** Content-Type is not application/json (multipart/form-data for /media/upload). */
  CONTENT_TYPE_INVALID: 90003,
  /** Header style: x-fs-userid missing or not a numeric string. */
  USER_ID_HEADER_INVALID: 90004,
  /** Required parameter missing or mistyped: grantType, mobile, openUserId, departmentId, messageId. */
  PARAM_INVALID: 90005,
  /** Revoke: no message with that messageId. */
  MESSAGE_NOT_FOUND: 90404,
  /** Revoke: the message was not sent through that service account (or was a plain /cgi/message/send). */
  MESSAGE_NOT_OWNED: 90403,
  /** Revoke: the message is already revoked. */
  MESSAGE_ALREADY_REVOKED: 90409,
  /** Revoke: older than the revokeWindowMs option (only when that option is set). */
  REVOKE_WINDOW_ELAPSED: 90410,
  /** Articles: a coverImage that is not a mediaId /media/upload issued. */
  MEDIA_NOT_FOUND: 90006,
} as const;
