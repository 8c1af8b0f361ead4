import type { EpochMs } from '../brand';
import { ok, type StepResult } from '../step-result';
import type { CanonicalEvent, KafkaOrigin } from './canonical-event';
import { uniqueIdentifiers } from './identifier';
import {
  compact,
  FieldReader,
  isJsonObject,
  joinPath,
  Problems,
  readRoot,
  textOf,
  type JsonObject,
} from './payload-reader';

/**
 * Transaction (`cdp.raw.transaction`, contract 4.3) -> CanonicalEvent.
 *
 * | canonical         | from |
 * |-------------------|------|
 * | eventId           | `${orderId}:${status}` |
 * | source/type       | `transaction` / `transaction` |
 * | name              | `Order Completed` \| `Order Refunded` \| `Order Cancelled` |
 * | occurredAt        | `occurredAt` (ISO 8601, required) |
 * | revenue, currency | `total.amount` (>= 0, also for refunds: the name says what happened), `total.currency` upper-cased |
 * | identifiers       | `customer.userId`, `customer.customerId`, `customer.email`, `customer.phone` (at least one usable) |
 * | traits            | `email`, `phone` (normalized) when usable |
 * | properties        | `orderId`, `status`, `revenue`, `currency`, `items` (normalized: numbers for quantity/price), `categories` (distinct item categories), `quantity` (sum of item quantities, an item without one counts 1), `coupon`, `channel` |
 * | context           | `channel` = channel |
 *
 * Validation (every problem reported with its path): `orderId` (string or number),
 * `status` (completed | refunded | cancelled, case-insensitive), `occurredAt`, `customer`
 * object with at least one usable identifier (a malformed email or phone is a problem,
 * a placeholder such as "null" counts as absent), `channel` (online | store | app | phone)
 * when present, `total` object with a non-negative `total.amount` (number or numeric
 * string) and a three-letter `total.currency`, `items` an array of objects whose
 * `quantity`/`price` are non-negative numbers and `sku`/`name`/`category` strings,
 * `coupon` a string when present.
 *
 * Dead-letter reasons: `not_an_object`, `missing_identifier` (no customer or no usable
 * identifier in it), `invalid_revenue` (bad `total.amount`), `validation_failed` (anything
 * else, or a mix).
 */

export const TRANSACTION_STATUSES = ['completed', 'refunded', 'cancelled'] as const;
export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];
export const ORDER_CHANNELS = ['online', 'store', 'app', 'phone'] as const;
export type OrderChannel = (typeof ORDER_CHANNELS)[number];

const NAMES: Record<TransactionStatus, string> = {
  completed: 'Order Completed',
  refunded: 'Order Refunded',
  cancelled: 'Order Cancelled',
};

interface Items {
  items: JsonObject[];
  categories: string[];
  quantity: number;
}

function readItems(list: unknown[], problems: Problems): Items {
  const items: JsonObject[] = [];
  const categories: string[] = [];
  let quantity = 0;
  list.forEach((raw, i) => {
    const path = joinPath('items', i);
    if (!isJsonObject(raw)) {
      problems.add(path, 'must be an object');
      return;
    }
    const item = new FieldReader(raw, path, problems);
    const sku = item.id('sku');
    const name = item.string('name');
    const category = textOf(item.string('category'));
    const qty = item.amount('quantity');
    const price = item.amount('price');
    items.push({ ...raw, ...compact({ sku, name, category, quantity: qty, price }) });
    if (category !== undefined && !categories.includes(category)) categories.push(category);
    quantity += item.has('quantity') ? (qty ?? 0) : 1;
  });
  return { items, categories, quantity };
}

export function normalizeTransaction(
  value: unknown,
  receivedAt: EpochMs,
  origin: KafkaOrigin,
): StepResult<CanonicalEvent> {
  const problems = new Problems();
  const root = readRoot(value, problems);
  if (root === undefined) return problems.toDlq();

  const orderId = root.id('orderId', { required: true });
  const status = root.oneOf('status', TRANSACTION_STATUSES, { required: true });
  const occurredAt = root.timestamp('occurredAt', { required: true });

  const customer = root.object('customer', { required: true, code: 'missing_identifier' });
  const userId = customer?.identifier('userId', 'userId');
  const customerId = customer?.identifier('customerId', 'customerId');
  const email = customer?.identifier('email', 'email');
  const phone = customer?.identifier('phone', 'phone');
  if (customer !== undefined && !userId && !customerId && !email && !phone) {
    problems.add(
      'customer',
      'needs at least one usable identifier: userId, customerId, email or phone',
      'missing_identifier',
    );
  }

  const channel = root.oneOf('channel', ORDER_CHANNELS);
  const total = root.object('total', { required: true });
  const revenue = total?.amount('amount', { required: true, code: 'invalid_revenue' });
  const currency = total?.currency('currency', { required: true });
  const itemList = root.array('items');
  const { items, categories, quantity } = readItems(itemList ?? [], problems);
  const coupon = root.string('coupon');

  if (
    !problems.isEmpty ||
    orderId === undefined ||
    status === undefined ||
    occurredAt === undefined ||
    revenue === undefined ||
    currency === undefined
  ) {
    return problems.toDlq();
  }

  return ok({
    eventId: `${orderId}:${status}`,
    source: 'transaction',
    type: 'transaction',
    name: NAMES[status],
    occurredAt,
    receivedAt,
    identifiers: uniqueIdentifiers([userId, customerId, email, phone]),
    properties: compact({
      orderId,
      status,
      revenue,
      currency,
      items,
      categories,
      quantity,
      coupon,
      channel,
    }),
    traits: compact({ email: email?.value, phone: phone?.value }),
    revenue,
    currency,
    context: compact({ channel }),
    origin,
  });
}
