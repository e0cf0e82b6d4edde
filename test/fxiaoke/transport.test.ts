/** The transport's deadline runs on the wire only, never while a request waits for a connection. */
import { afterEach, describe, expect, it } from 'vitest';
import { FxiaokeEmulator, PATHS } from '../../dev/fakes/fxiaoke-emulator.js';
import { FxiaokeTransport } from '../../src/fxiaoke/transport.js';

let emulator: FxiaokeEmulator | undefined;
let transport: FxiaokeTransport | undefined;
afterEach(async () => {
  await transport?.close();
  await emulator?.stop();
  transport = undefined;
  emulator = undefined;
});

describe('FxiaokeTransport deadlines', () => {
  it('does not time out requests that queue for a pooled connection longer than the deadline', async () => {
    emulator = await FxiaokeEmulator.start();
    emulator.addFault({ path: PATHS.token, fault: { type: 'latency', ms: 250 }, times: 3 });
    transport = new FxiaokeTransport({ baseUrl: emulator.url, timeoutMs: 400, connections: 1 });
    const { appId, appSecret, permanentCode } = emulator.options;
    const body = { appId, appSecret, permanentCode, grantType: 'app_secret' };
    // One connection: the third request waits ~500 ms before it is even sent, then 250 ms on the wire.
    const answers = await Promise.all([1, 2, 3].map(() => transport!.post(PATHS.token, body)));
    expect(answers.map((answer) => answer.envelope.errorCode)).toEqual([0, 0, 0]);
  });

  it('still times out a request Fxiaoke does not answer, as possibly delivered', async () => {
    emulator = await FxiaokeEmulator.start();
    emulator.addFault({ path: PATHS.token, fault: { type: 'timeout' } });
    transport = new FxiaokeTransport({ baseUrl: emulator.url, timeoutMs: 200 });
    const failure = await transport.post(PATHS.token, {}).catch((error: unknown) => error);
    expect(failure).toMatchObject({ kind: 'transport', mayHaveBeenDelivered: true });
    expect(String((failure as Error).message)).toContain('did not answer within 200 ms');
  });
});
