/**
 * The pages a browser sees at the end of an install (Bolt's callbackOptions): what went wrong, in
 * words, with a 4xx for a refused state or code — never a token, a code or the state itself.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Installation } from '@slack/bolt';
import { InstallStateError } from './state-store.js';

interface Page {
  status: number;
  title: string;
  text: string;
}

const AGAIN = 'Start again at <a href="/slack/install">/slack/install</a>.';

/** What the installer is told for a failed install; exported for tests. */
export function failurePage(error: unknown): Page {
  const refused = (text: string): Page => ({ status: 400, title: 'fx-bridge was not installed', text });
  if (error instanceof InstallStateError) {
    switch (error.problem) {
      case 'forged':
        return refused(
          `This install link was not made by this fx-bridge (its state is not signed with our secret). ${AGAIN}`,
        );
      case 'expired':
        return refused(`This install link has expired (it is valid for 10 minutes). ${AGAIN}`);
      case 'replayed':
        return refused(`This install link has already been used once. ${AGAIN}`);
    }
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  switch (code) {
    case 'slack_oauth_missing_state':
      return refused(`The address has no state, so it cannot be checked. ${AGAIN}`);
    case 'slack_oauth_invalid_state':
      return refused(
        `This install was not started in this browser (the state does not match its cookie). ${AGAIN}`,
      );
    case 'slack_oauth_missing_code':
      return refused(`Slack sent no authorization code. ${AGAIN}`);
    case 'slack_oauth_installer_authorization_error':
      return refused(`The install was cancelled in Slack. ${AGAIN}`);
    case 'slack_webapi_platform_error': {
      const slackError = (error as { data?: { error?: unknown } }).data?.error;
      return refused(
        `Slack refused the authorization code (${typeof slackError === 'string' ? slackError : 'error'}). ${AGAIN}`,
      );
    }
    default:
      return {
        status: 502,
        title: 'fx-bridge could not finish the install',
        text: `The install could not be completed (Slack or the store did not answer); nothing was kept. ${AGAIN}`,
      };
  }
}

export function sendPage(res: ServerResponse, page: Page): void {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${page.title}</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto"><h1>${page.title}</h1><p>${page.text}</p></body></html>`;
  res.writeHead(page.status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

export function installFailure(
  error: unknown,
  _options: unknown,
  _req: IncomingMessage,
  res: ServerResponse,
): void {
  sendPage(res, failurePage(error));
}

export function installSuccess(
  installation: Installation,
  _options: unknown,
  _req: IncomingMessage,
  res: ServerResponse,
): void {
  const where = installation.isEnterpriseInstall
    ? `the organisation ${escapeHtml(installation.enterprise?.name ?? installation.enterprise?.id ?? '')}`
    : `the workspace ${escapeHtml(installation.team?.name ?? installation.team?.id ?? '')}`;
  sendPage(res, {
    status: 200,
    title: 'fx-bridge is installed',
    text: `fx-bridge is installed in ${where}. Open its App Home in Slack to connect your Fxiaoke tenant.`,
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
