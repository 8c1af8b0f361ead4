import { JsonLogger } from './json-logger';

function capture(level: ConstructorParameters<typeof JsonLogger>[1] = 'log') {
  const lines: string[] = [];
  const logger = new JsonLogger('ingest', level, { write: (l) => lines.push(l) });
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('JsonLogger', () => {
  it('writes one JSON object per line with time, level, service, context and msg', () => {
    const { logger, lines, parsed } = capture();
    logger.log('consumer started', 'KafkaConsumer');
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith('\n')).toBe(true);
    expect(lines[0].trimEnd()).not.toContain('\n');
    const [line] = parsed();
    expect(line).toMatchObject({
      level: 'info',
      service: 'ingest',
      context: 'KafkaConsumer',
      msg: 'consumer started',
    });
    expect(new Date(line.time as string).toString()).not.toBe('Invalid Date');
  });

  it('merges structured fields and serialises errors and bigints', () => {
    const { logger, parsed } = capture();
    logger.error({ msg: 'insert failed', rows: 12, offset: 5n }, new Error('boom'), 'Writer');
    const [line] = parsed();
    expect(line).toMatchObject({
      level: 'error',
      msg: 'insert failed',
      rows: 12,
      offset: '5',
      context: 'Writer',
    });
    expect((line.err as { message: string }).message).toBe('boom');
  });

  it('keeps multi-line messages on one line', () => {
    const { logger, lines } = capture();
    logger.warn('first\nsecond');
    expect(lines[0].trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(lines[0]).msg).toBe('first\nsecond');
  });

  it('drops lines below the configured level', () => {
    const { logger, parsed } = capture('warn');
    logger.log('hidden');
    logger.debug('hidden');
    logger.warn('shown');
    logger.fatal('shown too');
    expect(parsed().map((l) => l.level)).toEqual(['warn', 'fatal']);
  });
});
