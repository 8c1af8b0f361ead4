import { asEpochMs } from '../brand';
import { correctClockSkew } from './clock-skew';

const receivedAt = asEpochMs(Date.parse('2026-11-01T08:00:10.000Z'));

describe('correctClockSkew', () => {
  it('moves timestamp by the difference between receivedAt and sentAt (client clock 1 h fast)', () => {
    // the client thinks it is 09:00:09 when sending, event happened 4 s before sending
    const at = correctClockSkew(
      { timestamp: '2026-11-01T09:00:05Z', sentAt: '2026-11-01T09:00:09Z' },
      receivedAt,
    );
    expect(new Date(at).toISOString()).toBe('2026-11-01T08:00:06.000Z');
  });

  it('takes timestamp as is without sentAt', () => {
    expect(correctClockSkew({ timestamp: '2026-11-01T07:59:00Z' }, receivedAt)).toBe(
      Date.parse('2026-11-01T07:59:00Z'),
    );
  });

  it('corrects originalTimestamp the same way when there is no timestamp', () => {
    const at = correctClockSkew(
      { originalTimestamp: '2026-11-01T07:00:00Z', sentAt: '2026-11-01T07:00:02Z' },
      receivedAt,
    );
    expect(new Date(at).toISOString()).toBe('2026-11-01T08:00:08.000Z');
  });

  it('prefers timestamp over originalTimestamp', () => {
    const at = correctClockSkew(
      {
        timestamp: '2026-11-01T08:00:00Z',
        originalTimestamp: '2026-11-01T01:00:00Z',
        sentAt: '2026-11-01T08:00:01Z',
      },
      receivedAt,
    );
    expect(new Date(at).toISOString()).toBe('2026-11-01T08:00:09.000Z');
  });

  it('uses originalTimestamp as is without sentAt', () => {
    expect(correctClockSkew({ originalTimestamp: '2026-11-01T07:00:00Z' }, receivedAt)).toBe(
      Date.parse('2026-11-01T07:00:00Z'),
    );
  });

  it('falls back to receivedAt without any client time (sentAt alone is not enough)', () => {
    expect(correctClockSkew({}, receivedAt)).toBe(receivedAt);
    expect(correctClockSkew({ sentAt: '2026-11-01T09:00:00Z' }, receivedAt)).toBe(receivedAt);
  });

  it('ignores unparsable values', () => {
    expect(correctClockSkew({ timestamp: 'soon', sentAt: 'now' }, receivedAt)).toBe(receivedAt);
    expect(correctClockSkew({ timestamp: '2026-11-01T07:00:00Z', sentAt: 'now' }, receivedAt)).toBe(
      Date.parse('2026-11-01T07:00:00Z'),
    );
  });
});
