import type { LoggerService } from '@nestjs/common';
import { logLevel } from 'kafkajs';
import { kafkaLogCreator } from './kafka-log';

describe('kafkaLogCreator', () => {
  const capture = () => {
    const lines: [string, unknown][] = [];
    const logger: LoggerService = {
      log: (m: unknown) => lines.push(['log', m]),
      error: (m: unknown) => lines.push(['error', m]),
      warn: (m: unknown) => lines.push(['warn', m]),
      debug: (m: unknown) => lines.push(['debug', m]),
    };
    return { lines, log: kafkaLogCreator(logger)(logLevel.DEBUG) };
  };
  const entry = (level: logLevel, message: string, extra: Record<string, unknown> = {}) => ({
    namespace: 'Connection',
    level,
    label: 'ERROR',
    log: { timestamp: 'now', logger: 'kafkajs', message, ...extra },
  });

  it('keeps errors, warnings and info at their level, with kafkajs fields', () => {
    const { lines, log } = capture();
    log(entry(logLevel.ERROR, 'Connection error', { broker: 'b:9092' }));
    log(entry(logLevel.WARN, 'slow'));
    log(entry(logLevel.INFO, 'started'));
    expect(lines).toEqual([
      ['error', { msg: 'Connection error', kafkajs: 'Connection', broker: 'b:9092' }],
      ['warn', { msg: 'slow', kafkajs: 'Connection' }],
      ['log', { msg: 'started', kafkajs: 'Connection' }],
    ]);
  });

  it("logs the coordinator's CONCURRENT_TRANSACTIONS answers (retried by design) as debug", () => {
    const { lines, log } = capture();
    const concurrent =
      'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';
    log(entry(logLevel.ERROR, 'Response AddPartitionsToTxn(key: 24, version: 1)', { error: concurrent }));
    log(entry(logLevel.ERROR, `Failed to send messages: ${concurrent}`, { retryCount: 0 }));
    expect(lines.map(([level]) => level)).toEqual(['debug', 'debug']);
  });
});
