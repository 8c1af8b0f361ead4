import { BaseEnv } from './base.env';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';
import { isHostPort } from './validators';

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(BaseEnv, env);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  return [];
}

describe('loadConfig(BaseEnv)', () => {
  it('applies the contract defaults when nothing is set', () => {
    const cfg = loadConfig(BaseEnv, {});
    expect(cfg.KAFKA_BROKERS).toBe('127.0.0.1:9092');
    expect(cfg.CLICKHOUSE_URL).toBe('http://127.0.0.1:8123');
    expect(cfg.CLICKHOUSE_DATABASE).toBe('cdp');
    expect(cfg.TOPIC_SEGMENT_EVENTS).toBe('cdp.segment-events');
    expect(cfg.KAFKA_TOPIC_PARTITIONS).toBe(3);
    expect(cfg.CLICKHOUSE_MIGRATE).toBe(true);
  });

  it('converts numbers and booleans from strings', () => {
    const cfg = loadConfig(BaseEnv, {
      KAFKA_TOPIC_PARTITIONS: '12',
      CLICKHOUSE_MIGRATE: 'false',
      KAFKA_CREATE_TOPICS: '0',
    });
    expect(cfg.KAFKA_TOPIC_PARTITIONS).toBe(12);
    expect(cfg.CLICKHOUSE_MIGRATE).toBe(false);
    expect(cfg.KAFKA_CREATE_TOPICS).toBe(false);
  });

  it('accepts several brokers and IPv6 literals', () => {
    expect(problems({ KAFKA_BROKERS: 'kafka-1:9092, kafka-2.internal:19092,[::1]:9092' })).toEqual([]);
  });

  it.each([['not a broker'], ['localhost'], ['host:0'], ['host:70000'], [':9092'], [''], ['a:9092,,b:9092']])(
    'rejects KAFKA_BROKERS=%j naming the variable',
    (value) => {
      const p = problems({ KAFKA_BROKERS: value });
      expect(p).toHaveLength(1);
      expect(p[0]).toMatch(/^KAFKA_BROKERS must be a comma-separated list of host:port/);
    },
  );

  it.each([['not-a-url'], ['ftp://127.0.0.1:8123'], ['127.0.0.1:8123'], ['http://'], ['http://host:99999']])(
    'rejects CLICKHOUSE_URL=%j naming the variable',
    (value) => {
      const p = problems({ CLICKHOUSE_URL: value });
      expect(p).toHaveLength(1);
      expect(p[0]).toMatch(/^CLICKHOUSE_URL must be an http\(s\) URL/);
    },
  );

  it('reports every bad variable at once', () => {
    const p = problems({
      KAFKA_TOPIC_PARTITIONS: 'many',
      LOG_LEVEL: 'loud',
      TOPIC_EVENTS: 'bad topic',
      CLICKHOUSE_MIGRATE: 'maybe',
    });
    expect(p.map((s) => s.split(' ')[0]).sort()).toEqual(
      ['CLICKHOUSE_MIGRATE', 'KAFKA_TOPIC_PARTITIONS', 'LOG_LEVEL', 'TOPIC_EVENTS'].sort(),
    );
    expect(p.join('\n')).toContain('TOPIC_EVENTS must be a Kafka topic name');
  });

  it('the error message is a single line', () => {
    try {
      loadConfig(BaseEnv, { KAFKA_BROKERS: 'x', CLICKHOUSE_URL: 'y' });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).not.toContain('\n');
      expect((e as Error).message).toMatch(/^invalid configuration: /);
    }
  });
});

describe('isHostPort', () => {
  it('accepts host names, addresses and bracketed IPv6', () => {
    expect(isHostPort('127.0.0.1:9092')).toBe(true);
    expect(isHostPort('broker-1.example.com:9093')).toBe(true);
    expect(isHostPort('[::1]:9092')).toBe(true);
  });
  it('rejects missing or invalid ports and hosts', () => {
    expect(isHostPort('127.0.0.1')).toBe(false);
    expect(isHostPort('127.0.0.1:')).toBe(false);
    expect(isHostPort('bad host:9092')).toBe(false);
    expect(isHostPort('-host:9092')).toBe(false);
  });
});
