/**
 * kafkajs 2.x looks the coordinator up (a FindCoordinator round trip) before every
 * transactional request: AddPartitionsToTxn (and each of its retries), AddOffsetsToTxn,
 * TxnOffsetCommit (the group's coordinator) and EndTxn, about 5 of the 13 requests of a
 * consume-transform-produce transaction. The segmenter commits one transaction per unit of
 * work and partition, so these lookups were a third of its Kafka round trips and of the
 * broker's transactional request load.
 *
 * `cacheCoordinatorLookups` makes kafkajs's cluster remember each answer (per client, per
 * coordinator type and key) for `ttlMs`. A coordinator that moves (its broker failed) answers
 * NOT_COORDINATOR, which kafkajs retries: with a short TTL the next lookup after it is fresh.
 * It patches kafkajs's internal `Cluster.prototype.findGroupCoordinator` once per process;
 * when that internal is not there (another kafkajs version) it leaves kafkajs as it is and
 * says so.
 */
import type { Broker } from 'kafkajs';

export const COORDINATOR_CACHE_TTL_MS = 1000;

export interface CoordinatorQuery {
  groupId: string;
  coordinatorType?: number;
}

export type FindCoordinator = (this: object, query: CoordinatorQuery) => Promise<Broker>;

interface ClusterPrototype {
  findGroupCoordinator?: FindCoordinator & { cached?: true };
}

/** Installs the cache (idempotent); false when kafkajs has no such internal to wrap. */
export function cacheCoordinatorLookups(
  ttlMs = COORDINATOR_CACHE_TTL_MS,
  now: () => number = Date.now,
): boolean {
  let prototype: ClusterPrototype | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    prototype = (require('kafkajs/src/cluster') as { prototype?: ClusterPrototype }).prototype;
  } catch {
    return false;
  }
  const original = prototype?.findGroupCoordinator;
  if (prototype === undefined || typeof original !== 'function') return false;
  if (original.cached) return true;
  const cached = remembering(original, ttlMs, now);
  prototype.findGroupCoordinator = cached;
  return true;
}

/** `find` answering from memory for `ttlMs` per `this` and (coordinator type, key). */
export function remembering(
  find: FindCoordinator,
  ttlMs: number,
  now: () => number,
): FindCoordinator & { cached?: true } {
  // per wrapper, then per client (a kafkajs cluster) and (coordinator type, key)
  const answers = new WeakMap<object, Map<string, { broker: Broker; until: number }>>();
  const cached: FindCoordinator & { cached?: true } = async function (this: object, query) {
    let known = answers.get(this);
    if (known === undefined) {
      known = new Map();
      answers.set(this, known);
    }
    const key = `${query.coordinatorType ?? 0}:${query.groupId}`;
    const hit = known.get(key);
    if (hit !== undefined && hit.until > now()) return hit.broker;
    const broker = await find.call(this, query);
    known.set(key, { broker, until: now() + ttlMs });
    return broker;
  };
  cached.cached = true;
  return cached;
}
