/**
 * Fxiaoke shows relayed messages as coming from the app, so the text names its Slack author.
 * The template comes from the config file; placeholders are {sender}, {channel} and {text}.
 */

export interface AttributionContext {
  senderName: string;
  channelName: string | undefined;
  text: string;
}

export function attribute(template: string, context: AttributionContext): string {
  const values: Record<string, string> = {
    sender: context.senderName,
    channel: context.channelName ?? 'direct message',
    text: context.text,
  };
  // One pass, so a placeholder-looking string inside the text or a name is never expanded.
  return template.replace(/\{(sender|channel|text)\}/g, (_, key: string) => values[key] ?? '');
}
