import type { LoggerService } from '@nestjs/common';
import { logLevel, LogEntry, logCreator } from 'kafkajs';

/** Routes kafkajs's own log lines into the service's JSON logger. */
export function kafkaLogCreator(logger: LoggerService): logCreator {
  return () =>
    ({ level, log, namespace }: LogEntry) => {
      const { message, timestamp: _t, logger: _l, ...fields } = log;
      const line = { msg: message, kafkajs: namespace, ...fields };
      switch (level) {
        case logLevel.ERROR:
        case logLevel.NOTHING:
          logger.error(line, 'kafkajs');
          return;
        case logLevel.WARN:
          logger.warn(line, 'kafkajs');
          return;
        case logLevel.INFO:
          logger.log(line, 'kafkajs');
          return;
        case logLevel.DEBUG:
          logger.debug?.(line, 'kafkajs');
          return;
      }
    };
}
