/** What install mode tells people in Slack (one place, as relay/error-text.ts is for the relays). */
export const NOT_CONNECTED =
  'Nothing was sent: this workspace has not connected a Fxiaoke tenant to fx-bridge yet, and fx-bridge never sends ' +
  'with another workspace’s tenant. A workspace admin connects it in fx-bridge’s App Home (Connect Fxiaoke).';

export const TENANT_UNAVAILABLE =
  'Nothing was sent: fx-bridge could not set up this workspace’s Fxiaoke connection just now (its operator can see ' +
  'why in the logs). Please try again in a minute; if it goes on, a workspace admin can connect Fxiaoke again in ' +
  'fx-bridge’s App Home.';

export const NOT_INSTALLED =
  'fx-bridge is not installed in this workspace, so nothing was done. A workspace admin installs it from the ' +
  'bridge’s install page (/slack/install on its address).';

export const INSTALLATION_UNAVAILABLE =
  'fx-bridge could not read this workspace’s installation just now (its store did not answer in time), so nothing ' +
  'was done. Please try again in a moment.';

export const UNREADABLE_INSTALLATION =
  'fx-bridge cannot read this workspace’s installation right now, so nothing was done. Its operator has been told ' +
  '(the secret key the bridge was started with does not open it).';

export const HOME_NOT_CONNECTED =
  '*Fxiaoke is not connected for this workspace.* `/fx-send` and the shortcuts send nothing until a workspace ' +
  'admin connects it here (Connect Fxiaoke).';
