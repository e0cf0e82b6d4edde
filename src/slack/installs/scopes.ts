/** The bot scopes an install asks for: manifest.yml's `oauth_config.scopes.bot` (test/manifest.test.ts keeps them equal). */
export const INSTALL_BOT_SCOPES = [
  'commands',
  'chat:write',
  'chat:write.public',
  'users:read',
  'users:read.email',
  'files:read',
  'usergroups:read',
  'channels:history',
  'groups:history',
  'im:history',
  'mpim:history',
  'reactions:read',
  'reactions:write',
  'channels:read',
  'groups:read',
] as const;
