import { contractExample } from './testing';
import {
  assertSegmentEvent,
  InvalidSegmentEventError,
  isIsoInstant,
  isSegmentEvent,
  parseSegmentEvent,
} from './parse-segment-event';

describe('parseSegmentEvent', () => {
  it('accepts the contract example as an object, a JSON string and raw bytes', () => {
    const example = contractExample();
    for (const input of [example, JSON.stringify(example), Buffer.from(JSON.stringify(example))]) {
      const result = parseSegmentEvent(input);
      expect(result).toEqual({ ok: true, event: example });
    }
  });

  it('accepts every cause kind and both types, and keeps unknown fields', () => {
    for (const kind of ['event', 'time', 'definition', 'merge', 'deletion']) {
      for (const type of ['segment.entered', 'segment.exited']) {
        const result = parseSegmentEvent(contractExample({ type, cause: { kind, boundary: 'x' }, extra: 1 }));
        expect(result.ok).toBe(true);
        if (result.ok) {
          expect(result.event.cause).toEqual({ kind, boundary: 'x' });
          expect(result.event.extra).toBe(1);
        }
      }
    }
  });

  it('accepts what the segmenter emits for causes without an event: eventId and kafka null', () => {
    for (const kind of ['time', 'definition', 'merge', 'deletion', 'event']) {
      const result = parseSegmentEvent(contractExample({ cause: { kind, eventId: null, kafka: null } }));
      expect(result).toMatchObject({ ok: true, event: { cause: { kind, eventId: null, kafka: null } } });
    }
    expect(
      parseSegmentEvent(contractExample({ identities: { userId: null, anonymousIds: [], email: null } })),
    ).toMatchObject({ ok: true });
  });

  it('defaults identities and reason, and turns a numeric kafka offset into a string', () => {
    const {
      identities: _i,
      reason: _r,
      ...rest
    } = contractExample({
      cause: { kind: 'event', eventId: 'e', kafka: { topic: 't', partition: 1, offset: 42 } },
    });
    const result = parseSegmentEvent(rest);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event.identities).toEqual({});
    expect(result.event.reason).toEqual([]);
    expect(result.event.cause).toEqual({
      kind: 'event',
      eventId: 'e',
      kafka: { topic: 't', partition: 1, offset: '42' },
    });
  });

  it('names every bad field', () => {
    const result = parseSegmentEvent({
      id: '',
      type: 'segment.joined',
      segment: { id: 'x', version: -1 },
      profileId: 7,
      identities: { userId: 5, anonymousIds: 'a-1' },
      occurredAt: '2026-11-01 09:00:00',
      emittedAt: 'yesterday',
      cause: { kind: 'magic', eventId: 3, kafka: { topic: 't' } },
      reason: [{ condition: 1, actual: 2 }, 'x'],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.path)).toEqual([
      'id',
      'type',
      'segment.version',
      'profileId',
      'occurredAt',
      'emittedAt',
      'identities.userId',
      'identities.anonymousIds',
      'cause.kind',
      'cause.eventId',
      'cause.kafka',
      'reason[0].condition',
      'reason[0].result',
      'reason[1]',
    ]);
    expect(result.problems[1].message).toBe('must be one of segment.entered, segment.exited');
  });

  it('rejects what is not a JSON object', () => {
    expect(parseSegmentEvent('{"id":')).toEqual({
      ok: false,
      problems: [{ path: '', message: expect.stringMatching(/^is not JSON/) }],
    });
    for (const input of [null, 3, [], 'null', Buffer.from('[1]')]) {
      expect(parseSegmentEvent(input)).toEqual({
        ok: false,
        problems: [{ path: '', message: 'must be a JSON object' }],
      });
    }
    expect(parseSegmentEvent({ ...contractExample(), segment: 'loyal' })).toMatchObject({
      ok: false,
      problems: [{ path: 'segment' }],
    });
  });

  it('assertSegmentEvent throws with the problems; isSegmentEvent is a type guard', () => {
    expect(() => assertSegmentEvent({})).toThrow(InvalidSegmentEventError);
    expect(() => assertSegmentEvent({})).toThrow(/invalid segment event: id must be a non-empty string/);
    expect(assertSegmentEvent(contractExample()).segment.id).toBe('loyal-buyers');
    expect(isSegmentEvent(contractExample())).toBe(true);
    expect(isSegmentEvent(JSON.stringify(contractExample()))).toBe(false);
  });

  it('isIsoInstant wants a date, a time and a zone', () => {
    expect(isIsoInstant('2026-11-01T09:00:00Z')).toBe(true);
    expect(isIsoInstant('2026-11-01T09:00:00.123456+08:00')).toBe(true);
    expect(isIsoInstant('2026-11-01T09:00Z')).toBe(true);
    expect(isIsoInstant('2026-11-01T09:00:00')).toBe(false);
    expect(isIsoInstant('2026-13-45T09:00:00Z')).toBe(false);
    expect(isIsoInstant(1700000000000)).toBe(false);
  });
});
