/** Bolt's Logger interface on top of pino, so Bolt's own lines are JSON and scrubbed too. */
import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../logger.js';

const TO_PINO: Record<LogLevel, string> = {
  [LogLevel.DEBUG]: 'debug',
  [LogLevel.INFO]: 'info',
  [LogLevel.WARN]: 'warn',
  [LogLevel.ERROR]: 'error',
};

function toBoltLevel(level: string): LogLevel {
  if (level === 'debug' || level === 'trace') return LogLevel.DEBUG;
  if (level === 'info') return LogLevel.INFO;
  if (level === 'warn') return LogLevel.WARN;
  return LogLevel.ERROR;
}

export function boltLogger(base: Logger): BoltLogger {
  let logger = base.child({ component: 'bolt' });
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...messages: unknown[]) => {
      const errors = messages.filter((message) => message instanceof Error);
      const text = messages
        .filter((message) => !(message instanceof Error))
        .map((message) => (typeof message === 'string' ? message : JSON.stringify(message)))
        .join(' ');
      if (errors.length > 0) logger[level]({ err: errors[0] }, text || String(errors[0]));
      else logger[level](text);
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel: (level: LogLevel) => {
      logger.level = TO_PINO[level];
    },
    getLevel: () => toBoltLevel(logger.level),
    setName: (name: string) => {
      logger = base.child({ component: name });
    },
  };
}
