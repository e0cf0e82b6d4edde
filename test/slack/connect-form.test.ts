import { describe, expect, it } from 'vitest';
import { connectModal, FIELDS, readConnectForm } from '../../src/slack/installs/connect-view.js';

const ALLOWED = ['https://open.fxiaoke.com', 'https://open-na.sharecrm.com'];

function values(fields: Partial<Record<keyof typeof FIELDS, string>>) {
  return Object.fromEntries(
    Object.entries(FIELDS).map(([name, id]) => [
      id,
      { [id]: { value: fields[name as keyof typeof FIELDS] ?? null } },
    ]),
  );
}

const GOOD = { appId: 'FSAID_abc', appSecret: 'SECRET-x', permanentCode: 'CODE-y', userId: '1000' };

describe('the Connect Fxiaoke form', () => {
  it('has one input per contract field, block_id = action_id', () => {
    const modal = connectModal(ALLOWED);
    expect(modal.callback_id).toBe('fx_connect_modal');
    const ids = modal.blocks.map((block) => [
      block.block_id,
      (block as { element?: { action_id?: string } }).element?.action_id,
    ]);
    expect(ids).toEqual(Object.values(FIELDS).map((id) => [id, id]));
  });

  it('reads a tenant, the address defaulting to the first allowed one and normalised', () => {
    expect(readConnectForm(values(GOOD), ALLOWED)).toEqual({
      tenant: { ...GOOD, baseUrl: 'https://open.fxiaoke.com' },
    });
    const given = readConnectForm(
      values({ ...GOOD, baseUrl: 'https://open-na.sharecrm.com/', serviceId: 'FSAID_svc' }),
      ALLOWED,
    );
    expect(given).toEqual({
      tenant: { ...GOOD, baseUrl: 'https://open-na.sharecrm.com', serviceId: 'FSAID_svc' },
    });
  });

  it('names every problem on its field, refuses addresses outside the list, and echoes no secret', () => {
    for (const baseUrl of [
      'http://169.254.169.254',
      'https://open.fxiaoke.com.evil.example',
      'https://open.fxiaoke.com/path',
      'not a url',
    ]) {
      const read = readConnectForm(values({ ...GOOD, baseUrl }), ALLOWED);
      expect(read).toEqual({
        errors: { fx_base_url: expect.stringContaining('Not an allowed Fxiaoke address') },
      });
    }
    const read = readConnectForm(values({ appId: 'x', userId: 'boss', serviceId: 'has space' }), ALLOWED);
    expect(read).toEqual({
      errors: {
        fx_app_id: expect.any(String),
        fx_app_secret: 'Needed',
        fx_permanent_code: 'Needed',
        fx_user_id: expect.any(String),
        fx_service_id: expect.any(String),
      },
    });
    expect(JSON.stringify(readConnectForm(values({ ...GOOD, userId: 'x' }), ALLOWED))).not.toContain(
      'SECRET-x',
    );
  });
});
