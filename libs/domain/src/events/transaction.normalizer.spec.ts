import { asEpochMs } from '../brand';
import type { KafkaOrigin } from './canonical-event';
import { normalizeTransaction } from './transaction.normalizer';

const origin: KafkaOrigin = { topic: 'cdp.raw.transaction', partition: 0, offset: '41' };
const receivedAt = asEpochMs(Date.parse('2026-11-01T09:00:01Z'));

const example = {
  orderId: 'o-3001',
  status: 'completed',
  occurredAt: '2026-11-01T09:00:00Z',
  customer: { userId: 'u-1001', customerId: 'c-55', email: 'lin@example.com', phone: null },
  channel: 'online',
  total: { amount: 259.0, currency: 'CNY' },
  items: [{ sku: 'sk-1', name: 'Serum', category: 'skincare', quantity: 1, price: 259.0 }],
  coupon: null,
};

const run = (value: unknown) => normalizeTransaction(value, receivedAt, origin);

describe('normalizeTransaction', () => {
  it('normalizes the contract example', () => {
    expect(run(example)).toEqual({
      kind: 'ok',
      value: {
        eventId: 'o-3001:completed',
        source: 'transaction',
        type: 'transaction',
        name: 'Order Completed',
        occurredAt: Date.parse('2026-11-01T09:00:00Z'),
        receivedAt,
        identifiers: [
          { kind: 'userId', value: 'u-1001', key: 'userId:u-1001' },
          { kind: 'customerId', value: 'c-55', key: 'customerId:c-55' },
          { kind: 'email', value: 'lin@example.com', key: 'email:lin@example.com' },
        ],
        properties: {
          orderId: 'o-3001',
          status: 'completed',
          revenue: 259,
          currency: 'CNY',
          items: [{ sku: 'sk-1', name: 'Serum', category: 'skincare', quantity: 1, price: 259 }],
          categories: ['skincare'],
          quantity: 1,
          channel: 'online',
        },
        traits: { email: 'lin@example.com' },
        revenue: 259,
        currency: 'CNY',
        context: { channel: 'online' },
        origin,
      },
    });
  });

  it.each([
    ['completed', 'Order Completed', 'o-3001:completed'],
    ['refunded', 'Order Refunded', 'o-3001:refunded'],
    ['Cancelled', 'Order Cancelled', 'o-3001:cancelled'],
  ])('names status %s %s', (status, name, eventId) => {
    expect(run({ ...example, status })).toMatchObject({ kind: 'ok', value: { name, eventId, revenue: 259 } });
  });

  it('sums quantities, collects distinct categories, coerces numeric strings, keeps unknown item fields', () => {
    const r = run({
      ...example,
      customer: { phone: '+86 138-0013-8000' },
      channel: 'store',
      total: { amount: '520.50', currency: 'cny' },
      items: [
        { sku: 1, category: 'skincare', quantity: '2', price: '100.25', color: 'red' },
        { sku: 'sk-2', category: 'makeup', quantity: 3, price: 100 },
        { sku: 'sk-3', category: 'skincare' },
      ],
      coupon: 'D11',
    });
    expect(r).toMatchObject({
      kind: 'ok',
      value: {
        identifiers: [{ kind: 'phone', value: '+8613800138000', key: 'phone:+8613800138000' }],
        traits: { phone: '+8613800138000' },
        revenue: 520.5,
        currency: 'CNY',
        context: { channel: 'store' },
        properties: {
          orderId: 'o-3001',
          status: 'completed',
          revenue: 520.5,
          currency: 'CNY',
          items: [
            { sku: '1', category: 'skincare', quantity: 2, price: 100.25, color: 'red' },
            { sku: 'sk-2', category: 'makeup', quantity: 3, price: 100 },
            { sku: 'sk-3', category: 'skincare' },
          ],
          categories: ['skincare', 'makeup'],
          quantity: 6,
          coupon: 'D11',
          channel: 'store',
        },
      },
    });
  });

  it('accepts a transaction without items or channel', () => {
    const r = run({ ...example, items: undefined, channel: null });
    expect(r).toMatchObject({
      kind: 'ok',
      value: { properties: { items: [], categories: [], quantity: 0 }, context: {} },
    });
    expect(r.kind === 'ok' && r.value.properties).not.toHaveProperty('channel');
  });

  it('reports every problem with its path', () => {
    expect(
      run({
        orderId: null,
        status: 'shipped',
        occurredAt: '2026-11-31T00:00:00Z',
        customer: { userId: 'u-1', email: 'lin@', phone: 'ask lin' },
        channel: 'fax',
        total: { amount: 'lots', currency: 'yuan' },
        items: [{ quantity: -1, price: 'x', name: 3 }, 'sk-1'],
        coupon: 10,
      }),
    ).toEqual({
      kind: 'dlq',
      reason: 'validation_failed',
      problems: [
        { path: 'orderId', message: 'is required' },
        { path: 'status', message: 'must be one of: completed, refunded, cancelled' },
        { path: 'occurredAt', message: 'must be an ISO 8601 date-time such as 2026-11-01T08:00:00Z' },
        {
          path: 'customer.email',
          message: 'must be an email address with exactly one "@" and text on both sides',
        },
        { path: 'customer.phone', message: 'must be a phone number (digits, optional leading +)' },
        { path: 'channel', message: 'must be one of: online, store, app, phone' },
        { path: 'total.amount', message: 'must be a number' },
        { path: 'total.currency', message: 'must be a three-letter currency code such as USD' },
        { path: 'items[0].name', message: 'must be a string' },
        { path: 'items[0].quantity', message: 'must not be negative' },
        { path: 'items[0].price', message: 'must be a number' },
        { path: 'items[1]', message: 'must be an object' },
        { path: 'coupon', message: 'must be a string' },
      ],
    });
  });

  it('needs items to be an array and a total', () => {
    expect(run({ ...example, items: { sku: 'sk-1' }, total: undefined })).toEqual({
      kind: 'dlq',
      reason: 'validation_failed',
      problems: [
        { path: 'total', message: 'is required' },
        { path: 'items', message: 'must be an array' },
      ],
    });
  });

  it('dead-letters a negative total as invalid_revenue', () => {
    expect(run({ ...example, total: { amount: -259, currency: 'CNY' } })).toEqual({
      kind: 'dlq',
      reason: 'invalid_revenue',
      problems: [{ path: 'total.amount', message: 'must not be negative' }],
    });
  });

  it('dead-letters a transaction without any customer identifier as missing_identifier', () => {
    expect(run({ ...example, customer: { userId: null, email: 'test@test.com', phone: 'n/a' } })).toEqual({
      kind: 'dlq',
      reason: 'missing_identifier',
      problems: [
        {
          path: 'customer',
          message: 'needs at least one usable identifier: userId, customerId, email or phone',
        },
      ],
    });
    expect(run({ ...example, customer: undefined })).toEqual({
      kind: 'dlq',
      reason: 'missing_identifier',
      problems: [{ path: 'customer', message: 'is required' }],
    });
  });

  it('dead-letters a non-object', () => {
    expect(run([example])).toMatchObject({ kind: 'dlq', reason: 'not_an_object', problems: [{ path: '$' }] });
  });
});
