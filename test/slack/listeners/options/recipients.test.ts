import { describe, expect, it } from 'vitest';
import type { FxiaokePerson, PeopleDirectory } from '../../../../src/relay/people.js';
import { recipientOptions } from '../../../../src/slack/listeners/options/recipients.js';
import { door, recorder } from '../door-kit.js';

const ALICE = { openUserId: 'FSUID_ALICE', name: 'Alice Wang', isStop: false } as FxiaokePerson;

function people(search: PeopleDirectory['search']): PeopleDirectory {
  const none = async (): Promise<FxiaokePerson[]> => [];
  return { search, findByIds: async () => new Map(), findByEmail: none, findByMobile: none };
}

function typed(value: string) {
  const ack = recorder();
  const body = { type: 'block_suggestion', action_id: 'recipients', block_id: 'recipients', value };
  return { ack, args: { ack, body } as unknown as Parameters<ReturnType<typeof recipientOptions>>[0] };
}

function optionValues(ack: { payloads: unknown[] }): string[] {
  const [answer] = ack.payloads as { options: { value: string }[] }[];
  return answer?.options.map((option) => option.value) ?? [];
}

describe('the recipients typeahead', () => {
  it('offers matching aliases first, then people from the address book', async () => {
    const d = door({ people: people(async () => [ALICE]) });
    const { ack, args } = typed('a');
    await recipientOptions(d.ctx)(args);
    expect(optionValues(ack)).toEqual(['sales', 'FSUID_ALICE']);
  });

  it('answers with the aliases alone when the address book fails', async () => {
    const d = door({
      people: people(async () => {
        throw new Error('address book down');
      }),
    });
    const { ack, args } = typed('sal');
    await recipientOptions(d.ctx)(args);
    expect(optionValues(ack)).toEqual(['sales']);
  });
});
