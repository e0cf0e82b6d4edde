/**
 * App Home and the Connect Fxiaoke form of install mode (contract: action_id `fx_connect`, modal
 * callback_id `fx_connect_modal`, input blocks whose block_id is their action_id), and the form's
 * reading: every problem named on its field, as Slack shows modal errors.
 */
import type { FxiaokeTenant } from '../../installs/vault.js';
import { HOME_NOT_CONNECTED } from './texts.js';

export const CONNECT_ACTION = 'fx_connect';
export const CONNECT_MODAL = 'fx_connect_modal';
export const FIELDS = {
  baseUrl: 'fx_base_url',
  appId: 'fx_app_id',
  appSecret: 'fx_app_secret',
  permanentCode: 'fx_permanent_code',
  userId: 'fx_user_id',
  serviceId: 'fx_service_id',
} as const;

import type { types } from '@slack/bolt';

type Block = types.KnownBlock;

function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

export interface ConnectionState {
  connected: { baseUrl: string; appId: string } | undefined;
  canConnect: boolean;
}

/** App Home of a workspace not connected yet: its connection, and the button for admins. */
export function homeView(state: ConnectionState): types.HomeView {
  return { type: 'home', blocks: connectionBlocks(state) };
}

/** The connection part of App Home (a connected workspace's Home has its relays below it). */
export function connectionBlocks(state: ConnectionState): Block[] {
  const blocks: Block[] = [
    section(
      state.connected
        ? `*Fxiaoke is connected* for this workspace: app \`${state.connected.appId}\` at ${state.connected.baseUrl}.`
        : HOME_NOT_CONNECTED,
    ),
  ];
  if (state.canConnect) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: CONNECT_ACTION,
          text: {
            type: 'plain_text',
            text: state.connected ? 'Connect another Fxiaoke app' : 'Connect Fxiaoke',
          },
          ...(state.connected ? {} : { style: 'primary' }),
        },
      ],
    });
  } else {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'Workspace admins connect Fxiaoke here.' }],
    });
  }
  return blocks;
}

function input(
  id: string,
  label: string,
  options: { optional?: boolean; hint?: string; placeholder?: string } = {},
): Block {
  return {
    type: 'input',
    block_id: id,
    optional: options.optional ?? false,
    label: { type: 'plain_text', text: label },
    element: {
      type: 'plain_text_input',
      action_id: id,
      ...(options.placeholder ? { placeholder: { type: 'plain_text', text: options.placeholder } } : {}),
    },
    ...(options.hint ? { hint: { type: 'plain_text', text: options.hint } } : {}),
  };
}

export function connectModal(allowed: readonly string[]): types.ModalView {
  return {
    type: 'modal',
    callback_id: CONNECT_MODAL,
    title: { type: 'plain_text', text: 'Connect Fxiaoke' },
    submit: { type: 'plain_text', text: 'Connect' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      input(FIELDS.baseUrl, 'Fxiaoke address', {
        optional: true,
        placeholder: allowed[0] ?? 'https://open.fxiaoke.com',
        hint: `Your Fxiaoke cloud; one of: ${allowed.join(', ')}`,
      }),
      input(FIELDS.appId, 'App id', { placeholder: 'FSAID_…' }),
      input(FIELDS.appSecret, 'App secret', { hint: 'Stored encrypted; never shown again.' }),
      input(FIELDS.permanentCode, 'Permanent code', { hint: 'Stored encrypted; never shown again.' }),
      input(FIELDS.userId, 'Acting employee id', {
        placeholder: '1000',
        hint: 'The CRM employee the bridge acts as.',
      }),
      input(FIELDS.serviceId, 'Service account', {
        optional: true,
        placeholder: 'FSAID_…',
        hint: 'Needed to revoke.',
      }),
    ],
  };
}

type Values = Record<string, Record<string, { value?: string | null } | undefined> | undefined>;

/** The form's tenant, or an error per field (never echoing a secret). */
export function readConnectForm(
  values: Values,
  allowed: readonly string[],
): { tenant: FxiaokeTenant } | { errors: Record<string, string> } {
  const read = (id: string) => values[id]?.[id]?.value?.trim() || undefined;
  const errors: Record<string, string> = {};
  const given = read(FIELDS.baseUrl);
  const baseUrl = given ? originOf(given) : allowed[0];
  if (!baseUrl || !allowed.includes(baseUrl)) {
    errors[FIELDS.baseUrl] = `Not an allowed Fxiaoke address; use one of: ${allowed.join(', ')}`;
  }
  const appId = read(FIELDS.appId);
  if (!appId?.startsWith('FSAID_') || appId.length <= 'FSAID_'.length)
    errors[FIELDS.appId] = 'Must be an app id, FSAID_…';
  const appSecret = read(FIELDS.appSecret);
  if (!appSecret) errors[FIELDS.appSecret] = 'Needed';
  const permanentCode = read(FIELDS.permanentCode);
  if (!permanentCode) errors[FIELDS.permanentCode] = 'Needed';
  const userId = read(FIELDS.userId);
  if (!userId || !/^\d+$/.test(userId)) errors[FIELDS.userId] = 'Must be a numeric employee id, e.g. 1000';
  const serviceId = read(FIELDS.serviceId);
  if (serviceId !== undefined && !/^[A-Za-z0-9_.-]+$/.test(serviceId)) {
    errors[FIELDS.serviceId] = 'Must be a service account id such as FSAID_…';
  }
  if (Object.keys(errors).length > 0 || !baseUrl || !appId || !appSecret || !permanentCode || !userId) {
    return { errors };
  }
  return {
    tenant: { baseUrl, appId, appSecret, permanentCode, userId, ...(serviceId ? { serviceId } : {}) },
  };
}

/** `https://host[:port]` of an address given with or without a trailing slash; undefined for a path or junk. */
function originOf(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.origin === text.replace(/\/+$/, '') ? url.origin : undefined;
  } catch {
    return undefined;
  }
}
