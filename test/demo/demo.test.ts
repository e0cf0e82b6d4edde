/**
 * `npm run demo` end to end, as a newcomer runs it: no .env, no accounts. The scripted round trip
 * goes through the real bridge's signed-request path; the page's API sends and revokes more; Ctrl-C
 * stops it cleanly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DemoProcess } from './demo-process.js';

let demo: DemoProcess | undefined;
afterEach(() => {
  demo?.kill();
  demo = undefined;
});

describe('npm run demo', () => {
  it('plays the round trip, serves the page, and stops on Ctrl-C', async () => {
    demo = DemoProcess.start(['--port', '0']);
    const url = await demo.pageUrl();
    const out = demo.output;

    // Where everything listens, and what is real.
    expect(out).toMatch(/Fxiaoke emulator\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(out).toMatch(/fx-bridge\s+http:\/\/127\.0\.0\.1:\d+\/slack\/events/);
    expect(out).toContain('REAL: the bridge’s own code');
    // The round trip, step by step, with the emulator's errorCode and traceId.
    expect(out).toMatch(
      /POST \/cgi\/app\/message\/send → errorCode 0 \(success\) · traceId E-O\.emu\.\d+\.\w+/,
    );
    expect(out).toMatch(/✅ Sent · traceId `E-O\.emu/);
    expect(out).toMatch(/POST \/cgi\/app\/message\/revoke → errorCode 0/);
    expect(out).toMatch(/Only visible to you:\n\s+│ 🗑️ Revoked relay `rl_\w+` from Fxiaoke \(2 recipients\)/);
    expect(out).toContain('Wang Fang (1000): received, then revoked');
    expect(out).toContain('Li Na (1001): received, then revoked');
    expect(out).toContain('Round trip complete');
    // A department as the recipient: its people looked up in the emulator, named in the receipt.
    expect(out).toMatch(/POST \/cgi\/department\/list → errorCode 0/);
    expect(out).toContain('Sales (dept 1101): 2 people');
    expect(out).toContain('Department send complete: dept:Sales reached 2 fake employees.');
    // Made-up credentials are still credentials in the bridge's eyes: never printed.
    expect(out).not.toMatch(/xoxb-|demo-signing-secret|demo-app-secret|demo-permanent-code|emu-at-/);

    // The page's API: send to one more employee, then revoke it from its receipt.
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form id="command">');
    const sent = (await (
      await fetch(`${url}api/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ line: '/fx-send 1002 Lunch at noon' }),
      })
    ).json()) as { receipt?: { channel: string; ts: string; text: string; revokeValue?: string } };
    expect(sent.receipt?.text).toContain('Lunch at noon');
    expect(sent.receipt?.revokeValue).toMatch(/^rl_/);
    const inboxBefore = (await (await fetch(`${url}api/inbox`)).json()) as {
      employees: Array<{ name: string; inbox: Array<{ content: string; revoked: boolean }> }>;
    };
    const zhang = inboxBefore.employees.find((employee) => employee.name === 'Zhang Wei');
    expect(zhang?.inbox).toEqual([expect.objectContaining({ revoked: false })]);
    expect(zhang?.inbox[0]?.content).toContain('demo.sender (Slack, general):\nLunch at noon');

    const revoked = (await (
      await fetch(`${url}api/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ channel: sent.receipt?.channel, ts: sent.receipt?.ts }),
      })
    ).json()) as { ephemeral: string[] };
    expect(revoked.ephemeral.join('\n')).toContain('Revoked relay');
    const inboxAfter = (await (await fetch(`${url}api/inbox`)).json()) as typeof inboxBefore;
    expect(inboxAfter.employees.find((employee) => employee.name === 'Zhang Wei')?.inbox[0]?.revoked).toBe(
      true,
    );

    const exit = await demo.interrupt();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(demo.output).toContain('demo stopped.');
  });

  it('prints its usage for an unknown flag, exit 2', async () => {
    demo = DemoProcess.start(['--bogus']);
    const exit = await demo.exited;
    expect(exit.code).toBe(2);
    expect(demo.output).toContain('usage: npm run demo');
    expect(demo.output).not.toMatch(/at .*\.ts:\d+/);
  });
});
