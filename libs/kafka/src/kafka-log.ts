import type { LoggerService } from '@nestjs/common';
import { logLevel, LogEntry, logCreator } from 'kafkajs';

/**
 * kafkajs logs every retried CONCURRENT_TRANSACTIONS answer as an error, but the transaction
 * coordinator gives it by design while it finishes the previous transaction's markers: a
 * transactional producer that commits often meets it at most transactions, and kafkajs
 * retries it. Those lines are debug, not errors.
 */
const EXPECTED_RETRY = /another concurrent operation on the same transaction was ongoing/;

/** Routes kafkajs's own log lines into the service's JSON logger. */
export function kafkaLogCreator(logger: LoggerService): logCreator {
  return () =>
    ({ level, log, namespace }: LogEntry) => {
      const { message, timestamp: _t, logger: _l, ...fields } = log;
      const line = { msg: message, kafkajs: namespace, ...fields };
      if (level === logLevel.ERROR && EXPECTED_RETRY.test(`${message} ${String(fields.error ?? '')}`)) {
        logger.debug?.(line, 'kafkajs');
        return;
      }
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
