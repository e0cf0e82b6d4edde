/**
 * A whole Slack message (as a message shortcut delivers it) → the plain text to relay. `text`
 * when there is one; otherwise the message's blocks (rich_text as people write it, section,
 * header and context blocks as apps post them), then legacy attachments.
 */
import { emojiFor, fromUnicodeField } from './emoji.js';
import { linkText, type MrkdwnNames, mrkdwnToPlainText } from './mrkdwn.js';

export interface SlackMessageLike {
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function list(value: unknown): Json[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item): Json[] => {
    const found = obj(item);
    return found ? [found] : [];
  });
}

export function messageToPlainText(message: SlackMessageLike, names: MrkdwnNames = {}): string {
  const text = message.text?.trim() ? mrkdwnToPlainText(message.text, names) : '';
  if (text.trim()) return text;
  const fromBlocks = joinParts(list(message.blocks).map((block) => blockText(block, names)));
  if (fromBlocks) return fromBlocks;
  return joinParts(list(message.attachments).map((attachment) => attachmentText(attachment, names)));
}

/** Users a message mentions without a name Slack supplied: the ones whose names must be looked up. */
export function mentionedUserIds(message: SlackMessageLike): string[] {
  const ids = new Set<string>();
  const scanMrkdwn = (text: string | undefined) => {
    for (const match of (text ?? '').matchAll(/<@([UW][A-Z0-9]+)>/g)) if (match[1]) ids.add(match[1]);
  };
  scanMrkdwn(message.text);
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    const node = obj(value);
    if (!node) return;
    if (node.type === 'user' && typeof node.user_id === 'string') ids.add(node.user_id);
    if (node.type === 'mrkdwn') scanMrkdwn(str(node.text));
    for (const [key, child] of Object.entries(node))
      if (key !== 'text' || typeof child !== 'string') visit(child);
  };
  visit(message.blocks);
  for (const attachment of list(message.attachments)) {
    for (const field of [attachment.pretext, attachment.text]) scanMrkdwn(str(field));
    for (const field of list(attachment.fields)) scanMrkdwn(str(field.value));
  }
  return [...ids];
}

function joinParts(parts: string[]): string {
  return parts
    .filter((part) => part.trim() !== '')
    .join('\n')
    .trim();
}

function textObject(value: unknown, names: MrkdwnNames): string {
  const text = obj(value);
  const raw = str(text?.text) ?? '';
  return text?.type === 'mrkdwn' ? mrkdwnToPlainText(raw, names) : raw;
}

function blockText(block: Json, names: MrkdwnNames): string {
  switch (block.type) {
    case 'rich_text':
      return richText(list(block.elements), names);
    case 'section':
      return joinParts([
        textObject(block.text, names),
        ...list(block.fields).map((f) => textObject(f, names)),
      ]);
    case 'header':
      return textObject(block.text, names);
    case 'context':
      return list(block.elements)
        .filter((element) => element.type === 'mrkdwn' || element.type === 'plain_text')
        .map((element) => textObject(element, names))
        .join(' ');
    default:
      // Images, files, dividers, actions: nothing a reader of the text needs.
      return '';
  }
}

function richText(elements: Json[], names: MrkdwnNames): string {
  // Sections usually end in their own line break; the next element starts a line anyway.
  return elements
    .map((element) => richElement(element, names))
    .map((chunk) => chunk.replace(/\n$/, ''))
    .join('\n');
}

function richElement(element: Json, names: MrkdwnNames): string {
  const inline = () =>
    list(element.elements)
      .map((child) => inlineText(child, names))
      .join('');
  switch (element.type) {
    case 'rich_text_section':
    case 'rich_text_preformatted':
      return inline();
    case 'rich_text_quote':
      return inline()
        .replace(/\n$/, '')
        .split('\n')
        .map((line) => `> ${line}`)
        .join('\n');
    case 'rich_text_list': {
      const indent = '  '.repeat(typeof element.indent === 'number' ? element.indent : 0);
      const offset = typeof element.offset === 'number' ? element.offset : 0;
      return list(element.elements)
        .map((item, index) => {
          const bullet = element.style === 'ordered' ? `${offset + index + 1}.` : '•';
          return `${indent}${bullet} ${richElement(item, names).replace(/\n$/, '')}`;
        })
        .join('\n');
    }
    default:
      return '';
  }
}

/** One inline element of rich text: its text is raw (not escaped), styles are simply dropped. */
function inlineText(element: Json, names: MrkdwnNames): string {
  switch (element.type) {
    case 'text':
      return str(element.text) ?? '';
    case 'link':
      return linkText(str(element.url) ?? '', str(element.text));
    case 'user': {
      const id = str(element.user_id) ?? '';
      return `@${names.user?.(id) || id}`;
    }
    case 'channel':
      return '#channel';
    case 'usergroup':
      return '@group';
    case 'broadcast':
      return `@${str(element.range) ?? 'here'}`;
    case 'emoji': {
      const name = str(element.name) ?? '';
      return fromUnicodeField(str(element.unicode)) ?? emojiFor(name) ?? `:${name}:`;
    }
    case 'date':
      return str(element.fallback) ?? '';
    default:
      return '';
  }
}

function attachmentText(attachment: Json, names: MrkdwnNames): string {
  const mrkdwn = (value: unknown) => (typeof value === 'string' ? mrkdwnToPlainText(value, names) : '');
  const title = str(attachment.title);
  const link = str(attachment.title_link);
  const fields = list(attachment.fields).map((field) => {
    const label = str(field.title);
    const value = mrkdwn(field.value);
    return label ? `${label}: ${value}` : value;
  });
  const parts = [
    mrkdwn(attachment.pretext),
    title ? (link ? linkText(link, title) : title) : '',
    mrkdwn(attachment.text),
    ...fields,
  ];
  return joinParts(parts) || str(attachment.fallback) || '';
}
