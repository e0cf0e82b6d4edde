/**
 * An answer through a response_url while Slack still takes it (5 uses within 30 minutes), and in
 * the channel or a DM after: Bolt's own `respond` against the fake Slack, which refuses a
 * response_url as Slack does (404 `used_url` / `expired_url`).
 */
import type { RespondFn } from '@slack/bolt';
// Bolt builds each listener's `respond` with this; the package exposes no other way to make one.
import { createRespond } from '@slack/bolt/dist/context/create-respond.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlackApi } from '../../../dev/fakes/slack-api.js';
import { createLogger } from '../../../src/logger.js';
import {
  type Answer,
  answerByResponseUrl,
  answerInChannel,
  RESPONSE_URL_LIFETIME_MS,
} from '../../../src/slack/jobs/answer.js';
import { CHANNEL, fakeClient, SENDER } from '../listeners/door-kit.js';

const clock = { now: 1_700_000_000_000 };
let slack: FakeSlackApi;

beforeAll(async () => {
  slack = await FakeSlackApi.start({ now: () => clock.now });
});
afterAll(async () => {
  await slack.stop();
});
beforeEach(() => {
  slack.reset();
});

function respondTo(url: string): RespondFn {
  return createRespond(fetch, url) as RespondFn;
}

/** A fallback that records what it was given. */
function recordingFallback(): Answer & { texts: string[] } {
  const texts: string[] = [];
  const answer = async (text: string) => {
    texts.push(text);
  };
  return Object.assign(answer, { texts });
}

describe('answerByResponseUrl', () => {
  it('uses the response_url five times, and sends the sixth answer elsewhere without trying it', async () => {
    const url = slack.responseUrl();
    const fallback = recordingFallback();
    const answer = answerByResponseUrl(respondTo(url), { fallback, now: () => clock.now });
    for (let n = 1; n <= 7; n += 1) await answer(`answer ${n}`);
    expect(slack.responsesTo(url).map((call) => call.body.text)).toEqual([
      'answer 1',
      'answer 2',
      'answer 3',
      'answer 4',
      'answer 5',
    ]);
    expect(fallback.texts).toEqual(['answer 6', 'answer 7']);
  });

  it('does not try a response_url older than 30 minutes', async () => {
    const url = slack.responseUrl();
    const fallback = recordingFallback();
    const answer = answerByResponseUrl(respondTo(url), { fallback, now: () => clock.now });
    await answer('Queued');
    clock.now += RESPONSE_URL_LIFETIME_MS;
    await answer('Failed');
    expect(slack.responsesTo(url).map((call) => call.body.text)).toEqual(['Queued']);
    expect(fallback.texts).toEqual(['Failed']);
  });

  it('falls back when Slack answers 404 expired_url, and tries that URL no more', async () => {
    const url = slack.responseUrl();
    const fallback = recordingFallback();
    // Expired by Slack's clock, not (yet) by the bridge's: the 404 is what tells.
    const answer = answerByResponseUrl(respondTo(url), { fallback, now: () => 0 });
    slack.expireResponseUrl(url);
    await answer('first');
    await answer('second');
    expect(slack.responsesTo(url)).toHaveLength(1);
    expect(fallback.texts).toEqual(['first', 'second']);
  });

  it('falls back when Slack answers 404 used_url (uses Slack counted that this process did not)', async () => {
    const url = slack.responseUrl();
    for (let n = 0; n < 5; n += 1) await respondTo(url)({ text: `another replica ${n}` });
    const fallback = recordingFallback();
    await answerByResponseUrl(respondTo(url), { fallback })('late');
    expect(fallback.texts).toEqual(['late']);
  });

  it('falls back on a post that gets no answer, but tries the URL again for the next answer', async () => {
    let calls = 0;
    const flaky: RespondFn = async (message) => {
      calls += 1;
      if (calls === 1) throw new TypeError('fetch failed');
      return respondTo(slack.responseUrl('flaky'))(message);
    };
    const fallback = recordingFallback();
    const answer = answerByResponseUrl(flaky, { fallback });
    await answer('lost on the way');
    await answer('next');
    expect(fallback.texts).toEqual(['lost on the way']);
    expect(slack.responsesTo(slack.responseUrl('flaky')).map((call) => call.body.text)).toEqual(['next']);
  });

  it('sends the replace flag and blocks as given', async () => {
    const url = slack.responseUrl();
    const blocks = [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'b' } }];
    await answerByResponseUrl(respondTo(url), { replace: true, fallback: recordingFallback() })('t', blocks);
    expect(slack.responsesTo(url)[0]?.body).toEqual({
      response_type: 'ephemeral',
      replace_original: true,
      text: 't',
      blocks,
    });
  });
});

describe('answerInChannel', () => {
  const { logger } = createLogger({ level: 'silent' });

  it('posts an ephemeral to the user in the channel', async () => {
    const client = fakeClient();
    await answerInChannel(client, logger, CHANNEL, SENDER)('hello');
    expect(client.calls).toEqual([
      { method: 'chat.postEphemeral', args: { channel: CHANNEL, user: SENDER, text: 'hello' } },
    ]);
  });

  it('sends a DM where the ephemeral cannot be posted, or where there is no channel', async () => {
    const refusing = fakeClient({ failing: ['chat.postEphemeral'] });
    await answerInChannel(refusing, logger, CHANNEL, SENDER)('hello');
    expect(refusing.calls.map((call) => call.method)).toEqual(['chat.postEphemeral', 'chat.postMessage']);
    expect(refusing.calls[1]?.args).toEqual({ channel: SENDER, text: 'hello' });

    const client = fakeClient();
    await answerInChannel(client, logger, undefined, SENDER)('from the App Home');
    expect(client.calls).toEqual([
      { method: 'chat.postMessage', args: { channel: SENDER, text: 'from the App Home' } },
    ]);
  });
});
