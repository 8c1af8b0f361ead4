import { buildDeadLetter } from './dead-letter';
import type { RawMessage } from './raw-message';

const message: RawMessage = {
  topic: 'cdp.raw.social',
  partition: 1,
  offset: '77',
  key: Buffer.from('@lin_mei'),
  value: Buffer.from('{"id": "wb-1", "action": "poke"}'),
  timestamp: String(Date.parse('2026-11-01T08:00:00.500Z')),
  headers: { source: 'weibo-connector' },
};
const now = Date.parse('2026-11-01T08:00:03Z');

describe('buildDeadLetter', () => {
  it('builds the DLQ payload of contract section 5 and keeps key and headers as received', () => {
    const letter = buildDeadLetter(
      message,
      'validation_failed',
      [
        { path: 'action', message: 'must be one of like, comment' },
        { path: 'occurredAt', message: 'is required' },
      ],
      now,
    );
    expect(letter.key).toEqual(Buffer.from('@lin_mei'));
    expect(letter.headers).toEqual({ source: 'weibo-connector' });
    expect(letter.payload).toEqual({
      reason: 'validation_failed',
      reasons: [
        { path: 'action', message: 'must be one of like, comment' },
        { path: 'occurredAt', message: 'is required' },
      ],
      source: { topic: 'cdp.raw.social', partition: 1, offset: '77', timestamp: '2026-11-01T08:00:00.500Z' },
      keyBase64: Buffer.from('@lin_mei').toString('base64'),
      payloadBase64: Buffer.from('{"id": "wb-1", "action": "poke"}').toString('base64'),
      rejectedAt: '2026-11-01T08:00:03.000Z',
    });
    expect(JSON.parse(JSON.stringify(letter.payload))).toEqual(letter.payload);
  });

  it('keeps the original bytes exactly, also when they are not UTF-8', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x7b]);
    const letter = buildDeadLetter(
      { ...message, value: bytes },
      'invalid_json',
      [{ path: '$', message: 'x' }],
      now,
    );
    expect(Buffer.from(letter.payload.payloadBase64, 'base64')).toEqual(bytes);
  });

  it('handles a message without key or value, and reasons without problems', () => {
    const letter = buildDeadLetter({ ...message, key: null, value: null }, 'invalid_json', [], now);
    expect(letter.payload.keyBase64).toBeNull();
    expect(letter.payload.payloadBase64).toBe('');
    expect(letter.payload.reasons).toEqual([{ path: '$', message: 'invalid_json' }]);
  });

  it('makes the dead_letters row', () => {
    const letter = buildDeadLetter(message, 'invalid_json', [{ path: '$', message: 'not valid JSON' }], now);
    expect(letter.row).toEqual({
      source_topic: 'cdp.raw.social',
      source_partition: 1,
      source_offset: 77,
      received_at: '2026-11-01 08:00:00',
      reasons: '[{"path":"$","message":"not valid JSON"}]',
      reason_codes: ['invalid_json'],
      payload_base64: message.value!.toString('base64'),
    });
  });

  it('uses the rejection time when the Kafka timestamp is unusable', () => {
    const letter = buildDeadLetter({ ...message, timestamp: '-1' }, 'invalid_json', [], now);
    expect(letter.row.received_at).toBe('2026-11-01 08:00:03');
  });
});
