/**
 * Contract fixtures: the requests public Fxiaoke clients send, written from their source (each
 * names its repository and file). Placeholders in angle brackets are filled in by the replay test
 * with the emulator's credentials and the current token: `<appId>`, `<appSecret>`,
 * `<permanentCode>`, `<corpAccessToken>`, `<corpId>`, `<accessToken>`, `<ea>`, `<openUserId>`,
 * `<serviceId>`. None of them sends a thirdTraceId (issue 12, row 12).
 */

export type ContractCall =
  | 'token-legacy'
  | 'token-header'
  | 'send'
  | 'app-send'
  | 'user-list'
  | 'department-list'
  | 'upload';

/** Where the credentials travel. */
export type AuthPlacement = 'none' | 'body' | 'query' | 'headers';

export interface ContractFixture {
  call: ContractCall;
  /** `owner/repo` and the file the shape is written from. */
  source: { repo: string; file: string; note?: string };
  path: string;
  auth: AuthPlacement;
  /** Query parameters besides the credentials (the upload's type). */
  query?: Record<string, string>;
  /** JSON body (placeholders included), or the multipart file part of an upload. */
  body?: Record<string, unknown>;
  file?: { field: string; fileName: string; contentType: string };
}

const textMessage = { toUser: ['<openUserId>'], msgType: 'text', text: { content: 'hello from a fixture' } };

export const FIXTURES: readonly ContractFixture[] = [
  // ---- token, legacy style
  {
    call: 'token-legacy',
    source: {
      repo: 'openfxiaoke/demo',
      file: 'fs-open-demo/src/main/java/com/facishare/open/demo/utils/OpenAPIUtils.java',
      note: 'getCorpToken, with CorpAccessTokenArg built in manager/impl/AccessTokenManagerImpl.java',
    },
    path: '/cgi/corpAccessToken/get',
    auth: 'none',
    body: { appId: '<appId>', appSecret: '<appSecret>', permanentCode: '<permanentCode>' },
  },
  {
    call: 'token-legacy',
    source: { repo: 'k8scat/fxiaoke', file: 'client.go', note: 'RefreshAccessToken' },
    path: '/cgi/corpAccessToken/get/V2',
    auth: 'none',
    body: { appId: '<appId>', appSecret: '<appSecret>', permanentCode: '<permanentCode>' },
  },
  {
    call: 'token-legacy',
    source: { repo: 'heartshuai/fxiaoke', file: 'src/FXK.php', note: 'freshCorpAccessToken' },
    path: '/cgi/corpAccessToken/get/V2',
    auth: 'none',
    body: { appId: '<appId>', appSecret: '<appSecret>', permanentCode: '<permanentCode>' },
  },
  // ---- token, header style (V2 docs, as transcribed in the team's reference)
  {
    call: 'token-header',
    source: {
      repo: 'fx-bridge (team reference)',
      file: '/work/shared/fxiaoke-openapi.md',
      note: 'Header style',
    },
    path: '/oauth2.0/token',
    auth: 'none',
    body: {
      appId: '<appId>',
      appSecret: '<appSecret>',
      permanentCode: '<permanentCode>',
      grantType: 'app_secret',
    },
  },
  // ---- send
  {
    call: 'send',
    source: {
      repo: 'openfxiaoke/demo',
      file: 'fs-open-demo/src/main/java/com/facishare/open/demo/manager/impl/MessageManagerImpl.java',
      note: 'sendTextMsg; posted by OpenAPIUtils.sendTextMsg',
    },
    path: '/cgi/message/send',
    auth: 'body',
    body: textMessage,
  },
  {
    call: 'send',
    source: {
      repo: 'ZhangZihe/FxiaokeSDK.NET',
      file: 'FxiaokeSDK/Request/MessageSendRequest.cs',
      note: 'camelCase, nulls left out (FxiaokeClientBase.cs); corpAccessToken/corpId from BaseCgiRequest.cs',
    },
    path: '/cgi/message/send',
    auth: 'body',
    body: textMessage,
  },
  {
    call: 'send',
    source: { repo: 'heartshuai/fxiaoke', file: 'src/FXK.php', note: 'sendMessage' },
    path: '/cgi/message/send',
    auth: 'body',
    body: textMessage,
  },
  {
    call: 'send',
    source: {
      repo: 'fx-bridge (team reference)',
      file: '/work/shared/fxiaoke-openapi.md',
      note: 'header style: openUserIds need convertUserId (Corrections section)',
    },
    path: '/cgi/message/send',
    auth: 'headers',
    body: { ...textMessage, convertUserId: true },
  },
  // ---- service-account send
  {
    call: 'app-send',
    source: { repo: 'ZhangZihe/FxiaokeSDK.NET', file: 'FxiaokeSDK/Request/AppMessageSendRequest.cs' },
    path: '/cgi/app/message/send',
    auth: 'body',
    body: { ...textMessage, serviceId: '<serviceId>' },
  },
  // ---- address book
  {
    call: 'user-list',
    source: {
      repo: 'ZhangZihe/FxiaokeSDK.NET',
      file: 'FxiaokeSDK/Request/UserListRequest.cs',
      note: 'departmentId 999999 as in FxiaokeSDK.Test/FxiaokeClientTest.cs',
    },
    path: '/cgi/user/list',
    auth: 'body',
    body: { departmentId: 999999, fetchChild: true },
  },
  {
    call: 'user-list',
    source: {
      repo: 'heartshuai/fxiaoke',
      file: 'src/FXK.php',
      note: 'getUsers(departmentId = 0, fetchChild = true)',
    },
    path: '/cgi/user/list',
    auth: 'body',
    body: { fetchChild: true, departmentId: 0 },
  },
  {
    call: 'department-list',
    source: {
      repo: 'openfxiaoke/demo',
      file: 'fs-open-demo/src/main/java/com/facishare/open/demo/utils/OpenAPIUtils.java',
      note: 'getDeptList (DeptListArg: the credentials only)',
    },
    path: '/cgi/department/list',
    auth: 'body',
    body: {},
  },
  {
    call: 'department-list',
    source: { repo: 'heartshuai/fxiaoke', file: 'src/FXK.php', note: 'getDepartments' },
    path: '/cgi/department/list',
    auth: 'body',
    body: {},
  },
  // ---- upload
  {
    call: 'upload',
    source: {
      repo: 'ZhangZihe/FxiaokeSDK.NET',
      file: 'FxiaokeSDK/FxiaokeClientBase.cs',
      note: 'Upload: token, corpId and type in the query string; part "media" named media_<time>.<ext>',
    },
    path: '/media/upload',
    auth: 'query',
    query: { type: 'image' },
    file: { field: 'media', fileName: 'media_2024-01-01 10:00:00.png', contentType: 'multipart/form-data' },
  },
  {
    call: 'upload',
    source: {
      repo: 'fx-bridge (team reference)',
      file: '/work/shared/fxiaoke-openapi.md',
      note: 'the doc page "Upload Message Material Files" and its curl',
    },
    path: '/media/upload/message',
    auth: 'query',
    query: { type: 'image' },
    file: { field: 'media', fileName: 'picture.jpg', contentType: 'image/jpeg' },
  },
];
