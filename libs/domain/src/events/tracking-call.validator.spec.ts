import {
  parseBatch,
  parseTrackingCall,
  validateBatch,
  validateTrackingCall,
  type TrackingCall,
} from './tracking-call.validator';

const track = {
  type: 'track',
  messageId: 'm-1',
  anonymousId: 'a-77',
  event: 'Product Viewed',
  properties: { sku: 'sk-1' },
  context: { traits: { email: 'lin@example.com' } },
  timestamp: '2026-11-01T08:00:00Z',
  sentAt: '2026-11-01T08:00:01.000Z',
  integrations: { All: true },
};

const paths = (value: unknown, options = {}) => validateTrackingCall(value, options).map((p) => p.path);

describe('validateTrackingCall', () => {
  it('accepts valid calls of every type', () => {
    expect(validateTrackingCall(track)).toEqual([]);
    expect(validateTrackingCall({ type: 'identify', userId: 1001, traits: { plan: 'pro' } })).toEqual([]);
    expect(validateTrackingCall({ type: 'page', anonymousId: 'a', name: 'Home', properties: {} })).toEqual(
      [],
    );
    expect(validateTrackingCall({ type: 'screen', userId: 'u', name: 'Cart' })).toEqual([]);
    expect(validateTrackingCall({ type: 'group', userId: 'u', groupId: 'g-1', traits: {} })).toEqual([]);
    expect(validateTrackingCall({ type: 'alias', userId: 'u', previousId: 'a-77' })).toEqual([]);
  });

  it('takes the type from the endpoint when given', () => {
    expect(validateTrackingCall({ anonymousId: 'a', event: 'X' }, { type: 'track' })).toEqual([]);
    expect(paths({ anonymousId: 'a' }, { type: 'track' })).toEqual(['event']);
  });

  it('requires a known type without an endpoint', () => {
    expect(validateTrackingCall({ anonymousId: 'a' })).toEqual([{ path: 'type', message: 'is required' }]);
    expect(validateTrackingCall({ type: 'purchase', anonymousId: 'a' })).toEqual([
      { path: 'type', message: 'must be one of: track, identify, page, screen, group, alias' },
    ]);
  });

  it('rejects non-objects', () => {
    expect(validateTrackingCall('track')).toEqual([{ path: '$', message: 'must be a JSON object' }]);
    expect(validateTrackingCall([], { path: 'batch[0]' })).toEqual([
      { path: 'batch[0]', message: 'must be a JSON object' },
    ]);
  });

  it('needs userId or anonymousId', () => {
    expect(validateTrackingCall({ type: 'track', event: 'X' })).toEqual([
      { path: 'userId', message: 'userId or anonymousId is required' },
    ]);
    expect(validateTrackingCall({ type: 'track', event: 'X', userId: null, anonymousId: null })).toEqual([
      { path: 'userId', message: 'userId or anonymousId is required' },
    ]);
    expect(validateTrackingCall({ type: 'track', event: 'X', userId: '  ', anonymousId: {} })).toEqual([
      { path: 'userId', message: 'must be a non-empty string or a number' },
      { path: 'anonymousId', message: 'must be a non-empty string or a number' },
    ]);
  });

  it('needs userId and previousId on alias, groupId on group', () => {
    expect(validateTrackingCall({ type: 'alias', anonymousId: 'a' })).toEqual([
      { path: 'userId', message: 'is required' },
      { path: 'previousId', message: 'is required' },
    ]);
    expect(validateTrackingCall({ type: 'group', userId: 'u' })).toEqual([
      { path: 'groupId', message: 'is required' },
    ]);
  });

  it('needs a non-empty string event on track', () => {
    expect(validateTrackingCall({ ...track, event: '' })).toEqual([
      { path: 'event', message: 'must be a non-empty string' },
    ]);
    expect(validateTrackingCall({ ...track, event: 42 })).toEqual([
      { path: 'event', message: 'must be a non-empty string' },
    ]);
    expect(validateTrackingCall({ ...track, event: undefined })).toEqual([
      { path: 'event', message: 'is required' },
    ]);
  });

  it('needs objects for properties, traits, context and context.traits', () => {
    expect(
      validateTrackingCall({ ...track, properties: [1], traits: 'vip', context: { traits: 'x' } }),
    ).toEqual([
      { path: 'properties', message: 'must be an object' },
      { path: 'traits', message: 'must be an object' },
      { path: 'context.traits', message: 'must be an object' },
    ]);
    expect(paths({ ...track, context: 'web' })).toEqual(['context']);
    expect(validateTrackingCall({ ...track, properties: null })).toEqual([]);
  });

  it('needs ISO 8601 times', () => {
    expect(
      validateTrackingCall({
        ...track,
        timestamp: 'yesterday',
        sentAt: 1762000000000,
        originalTimestamp: '2026-02-30T00:00:00Z',
        receivedAt: 'now',
      }),
    ).toEqual([
      { path: 'timestamp', message: 'must be an ISO 8601 date-time such as 2026-11-01T08:00:00Z' },
      { path: 'sentAt', message: 'must be an ISO 8601 date-time such as 2026-11-01T08:00:00Z' },
      { path: 'originalTimestamp', message: 'must be an ISO 8601 date-time such as 2026-11-01T08:00:00Z' },
      { path: 'receivedAt', message: 'must be an ISO 8601 date-time such as 2026-11-01T08:00:00Z' },
    ]);
  });

  it('needs a non-empty string messageId when present', () => {
    expect(paths({ ...track, messageId: '' })).toEqual(['messageId']);
    expect(paths({ ...track, messageId: 12 })).toEqual(['messageId']);
    expect(paths({ ...track, messageId: undefined })).toEqual([]);
  });

  it('needs string page names and categories', () => {
    expect(paths({ type: 'page', anonymousId: 'a', name: 1, category: ['x'] })).toEqual(['name', 'category']);
  });

  it('reports every problem at once', () => {
    expect(paths({ type: 'track', properties: 'x', timestamp: 'x' })).toEqual([
      'userId',
      'event',
      'properties',
      'timestamp',
    ]);
  });
});

describe('parseTrackingCall', () => {
  it('returns the call with unknown fields kept', () => {
    const r = parseTrackingCall(track);
    expect(r).toEqual({ kind: 'ok', value: track });
  });

  it('sets the endpoint type', () => {
    const r = parseTrackingCall({ type: 'page', anonymousId: 'a', event: 'X' }, { type: 'track' });
    expect(r.kind === 'ok' && r.value.type).toBe('track');
  });

  it('dead-letters invalid calls with validation_failed', () => {
    expect(parseTrackingCall({ type: 'track', anonymousId: 'a' })).toEqual({
      kind: 'dlq',
      reason: 'validation_failed',
      problems: [{ path: 'event', message: 'is required' }],
    });
  });
});

describe('validateBatch / parseBatch', () => {
  const body = {
    batch: [
      { ...track, messageId: 'm-1' },
      { type: 'identify', userId: 'u-1', traits: { name: 'Lin' }, context: { locale: 'zh-CN' } },
    ],
    sentAt: '2026-11-01T08:00:02Z',
    context: { library: { name: 'analytics-node' }, locale: 'en-US' },
    writeKey: 'wk',
  };

  it('accepts a valid batch', () => {
    expect(validateBatch(body)).toEqual([]);
  });

  it('prefixes member problems with batch[i]', () => {
    expect(
      validateBatch({
        batch: [
          track,
          { type: 'track', anonymousId: 'a' },
          'x',
          { anonymousId: 'a' },
          { ...track, userId: [] },
        ],
      }),
    ).toEqual([
      { path: 'batch[1].event', message: 'is required' },
      { path: 'batch[2]', message: 'must be a JSON object' },
      { path: 'batch[3].type', message: 'is required' },
      { path: 'batch[4].userId', message: 'must be a non-empty string or a number' },
    ]);
  });

  it('needs a non-empty batch array and valid batch-level fields', () => {
    expect(validateBatch({})).toEqual([{ path: 'batch', message: 'is required' }]);
    expect(validateBatch({ batch: {} })).toEqual([{ path: 'batch', message: 'must be an array' }]);
    expect(validateBatch({ batch: [] })).toEqual([
      { path: 'batch', message: 'must contain at least one call' },
    ]);
    expect(validateBatch({ batch: [track], sentAt: 'x', context: 1 }).map((p) => p.path)).toEqual([
      'sentAt',
      'context',
    ]);
    expect(validateBatch(null)).toEqual([{ path: '$', message: 'must be a JSON object' }]);
  });

  it('applies batch-level sentAt and context to the calls', () => {
    const r = parseBatch(body);
    expect(r.kind).toBe('ok');
    const calls = (r as { kind: 'ok'; value: TrackingCall[] }).value;
    expect(calls).toHaveLength(2);
    expect(calls[0]).toEqual({
      ...track,
      context: { library: { name: 'analytics-node' }, locale: 'en-US', traits: { email: 'lin@example.com' } },
    });
    expect(calls[0]?.sentAt).toBe('2026-11-01T08:00:01.000Z');
    expect(calls[1]?.sentAt).toBe('2026-11-01T08:00:02Z');
    expect(calls[1]?.context).toEqual({ library: { name: 'analytics-node' }, locale: 'zh-CN' });
  });

  it('dead-letters an invalid batch with every problem', () => {
    expect(parseBatch({ batch: [{ type: 'alias' }] })).toEqual({
      kind: 'dlq',
      reason: 'validation_failed',
      problems: [
        { path: 'batch[0].userId', message: 'is required' },
        { path: 'batch[0].previousId', message: 'is required' },
      ],
    });
  });
});
