import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fitFiles, messageFiles, SlackFileDownloader } from '../../../src/slack/api/files.js';

const TOKEN = 'xoxb-test-token';
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

describe('messageFiles: message.files of a message shortcut', () => {
  it('keeps id, name, mimetype and url_private of hosted files', () => {
    const files = messageFiles({
      files: [
        {
          id: 'F0A',
          name: 'cat.png',
          title: 'My cat',
          mimetype: 'image/png',
          filetype: 'png',
          url_private: 'https://files.slack.com/files-pri/T0-F0A/cat.png',
          mode: 'hosted',
        },
        {
          id: 'F0B',
          title: 'Untitled',
          mimetype: 'application/pdf',
          url_private: 'https://files.slack.com/x',
        },
      ],
    });
    expect(files).toEqual([
      {
        fileId: 'F0A',
        name: 'cat.png',
        mimetype: 'image/png',
        url: 'https://files.slack.com/files-pri/T0-F0A/cat.png',
      },
      { fileId: 'F0B', name: 'Untitled', mimetype: 'application/pdf', url: 'https://files.slack.com/x' },
    ]);
  });

  it('gives external, deleted and over-the-limit files no link, and skips junk', () => {
    const files = messageFiles({
      files: [
        { id: 'F1', name: 'doc', is_external: true, url_private: 'https://docs.google.com/x' },
        { id: 'F2', mode: 'tombstone' },
        { id: 'F3', name: 'old.png', mode: 'hidden_by_limit', url_private: 'https://files.slack.com/y' },
        'junk',
        null,
      ],
    });
    expect(files).toEqual([
      { fileId: 'F1', name: 'doc' },
      { fileId: 'F2', name: 'F2' },
      { fileId: 'F3', name: 'old.png' },
    ]);
    expect(messageFiles({})).toEqual([]);
    expect(messageFiles(undefined)).toEqual([]);
  });

  it('takes at most 10 files and clips long names', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ id: `F${i}`, name: `${'x'.repeat(200)}${i}` }));
    const files = messageFiles({ files: many });
    expect(files).toHaveLength(10);
    expect(files[0]?.name).toHaveLength(80);
  });
});

describe('fitFiles: what fits in private_metadata', () => {
  it('keeps whole files while they fit, then names only, then stops', () => {
    const file = (i: number) => ({
      fileId: `F${i}`,
      name: `f${i}.png`,
      url: `https://files.slack.com/${'u'.repeat(80)}`,
    });
    const whole = JSON.stringify(file(0)).length + 1;
    const fitted = fitFiles([file(0), file(1), file(2)], 2 + whole + 40);
    expect(fitted[0]).toEqual(file(0));
    expect(fitted[1]).toEqual({ fileId: 'F1', name: 'f1.png' });
    expect(fitted).toHaveLength(2);
    expect(JSON.stringify(fitted).length).toBeLessThanOrEqual(2 + whole + 40);
  });
});

describe('SlackFileDownloader', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server?.closeAllConnections();
    server = undefined;
  });

  async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
    server = createServer(handler);
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  function downloader(origin: string, options: { maxBytes?: number; timeoutMs?: number } = {}) {
    return new SlackFileDownloader({ botToken: TOKEN, trustedOrigins: [origin], ...options });
  }

  it('sends the bot token as Bearer and returns the bytes and the Content-Type', async () => {
    const seen: (string | undefined)[] = [];
    const origin = await serve((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    });
    const result = await downloader(origin).fetch({ name: 'a.png', url: `${origin}/files-pri/a.png` });
    expect(seen).toEqual([`Bearer ${TOKEN}`]);
    expect(result).toEqual({ ok: true, bytes: PNG, contentType: 'image/png' });
  });

  it('never sends the token outside Slack: untrusted links and redirects are refused', async () => {
    const seen: string[] = [];
    const origin = await serve((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(302, { location: 'https://evil.example.com/steal' }).end();
    });
    const refused = await downloader(origin).fetch({ name: 'a.png', url: 'https://evil.example.com/a.png' });
    expect(refused).toEqual({ ok: false, reason: 'its link leads outside Slack (evil.example.com)' });
    expect(seen).toEqual([]);
    const redirected = await downloader(origin).fetch({ name: 'a.png', url: `${origin}/a.png` });
    expect(redirected).toEqual({ ok: false, reason: 'its link leads outside Slack (evil.example.com)' });
    expect(seen).toEqual(['/a.png']);
    const slack = new SlackFileDownloader({ botToken: TOKEN });
    expect(slack.isTrusted(new URL('https://files.slack.com/files-pri/x'))).toBe(true);
    expect(slack.isTrusted(new URL('https://acme.enterprise.slack.com/'))).toBe(true);
    expect(slack.isTrusted(new URL('http://files.slack.com/x'))).toBe(false);
    expect(slack.isTrusted(new URL('https://files.slack.com.evil.io/x'))).toBe(false);
  });

  it('follows a redirect within trusted origins and hands back the page found there', async () => {
    const origin = await serve((req, res) => {
      if (req.url === '/a.png') res.writeHead(302, { location: '/signin' }).end();
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html></html>');
    });
    const result = await downloader(origin).fetch({ name: 'a.png', url: `${origin}/a.png` });
    expect(result).toMatchObject({ ok: true, contentType: 'text/html' });
  });

  it('refuses files over the cap, declared or streamed, and non-200 answers', async () => {
    const origin = await serve((req, res) => {
      if (req.url === '/declared') res.writeHead(200, { 'content-length': '2048' }).end(new Uint8Array(2048));
      else if (req.url === '/streamed') {
        res.writeHead(200, { 'content-type': 'image/png' });
        res.write(new Uint8Array(600));
        res.end(new Uint8Array(600));
      } else res.writeHead(404).end('file_not_found');
    });
    const capped = downloader(origin, { maxBytes: 1024 });
    expect(await capped.fetch({ name: 'a', url: `${origin}/declared` })).toEqual({
      ok: false,
      reason: 'it is larger than 1 KB',
    });
    expect(await capped.fetch({ name: 'a', url: `${origin}/streamed` })).toEqual({
      ok: false,
      reason: 'it is larger than 1 KB',
    });
    expect(await capped.fetch({ name: 'a', url: `${origin}/gone` })).toEqual({
      ok: false,
      reason: 'Slack answered HTTP 404',
    });
  });

  it('gives up after its deadline', async () => {
    const origin = await serve(() => {
      // never answers
    });
    const result = await downloader(origin, { timeoutMs: 100 }).fetch({ name: 'a', url: `${origin}/slow` });
    expect(result).toEqual({ ok: false, reason: 'it took longer than 0.1 s' });
  });
});
