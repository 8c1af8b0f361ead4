import { Logger } from '@nestjs/common';
import {
  Ctx,
  EventPattern,
  Payload,
  Transport,
  type KafkaContext,
  type KafkaOptions,
} from '@nestjs/microservices';
import { PARAM_ARGS_METADATA } from '@nestjs/microservices/constants';
import { formatProblems, parseSegmentEvent } from './parse-segment-event';
import { SEGMENT_EVENTS_TOPIC, type SegmentEvent } from './segment-event';
import { SegmentEventDeduper } from './segment-event-deduper';
import { matchesFilter, type SegmentEventFilter } from './segment-event-filter';

/**
 * NestJS side of the SDK (import from `@cdp/segment-events/nest`; the main entry point has no
 * Nest dependency).
 */

export interface OnSegmentEventOptions extends SegmentEventFilter {
  /** The topic; default `process.env.TOPIC_SEGMENT_EVENTS` at decoration time, else `cdp.segment-events`. */
  topic?: string;
  /**
   * Skips repeated transitions by id: a deduper, the number of ids to remember (default
   * 10,000, one deduper per decorated method), or `false`.
   */
  dedupe?: SegmentEventDeduper | number | false;
  /** An invalid message is logged and skipped (default), or thrown (kafkajs then retries it). */
  onInvalid?: 'skip' | 'throw';
}

type SegmentEventHandler = (event: SegmentEvent, context: KafkaContext) => unknown;

/**
 * `@EventPattern(topic)` for segment events, with the payload validated and typed: the method
 * is called as `(event: SegmentEvent, context: KafkaContext)` only for valid, new events that
 * match the filter (`segment`, `type`). Several methods may listen to the same topic with
 * different filters (Nest calls every handler of a pattern).
 *
 * ```ts
 * @OnSegmentEvent({ segment: 'churned', type: 'entered' })
 * async onChurned(event: SegmentEvent, context: KafkaContext) { ... }
 * ```
 */
export function OnSegmentEvent(options: OnSegmentEventOptions = {}): MethodDecorator {
  const topic = options.topic ?? process.env.TOPIC_SEGMENT_EVENTS ?? SEGMENT_EVENTS_TOPIC;
  const logger = new Logger('OnSegmentEvent');
  return <T>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<T>) => {
    const original = descriptor.value as unknown;
    if (typeof original !== 'function') throw new TypeError('@OnSegmentEvent() decorates methods');
    const handler = original as SegmentEventHandler;
    const dedupe =
      options.dedupe === false
        ? undefined
        : options.dedupe instanceof SegmentEventDeduper
          ? options.dedupe
          : new SegmentEventDeduper(options.dedupe ?? 10000);

    const wrapped = async function (this: unknown, data: unknown, context: KafkaContext): Promise<void> {
      const parsed = parseSegmentEvent(data);
      if (!parsed.ok) {
        const where = describe(context);
        if (options.onInvalid === 'throw') {
          throw new Error(`invalid segment event${where}: ${formatProblems(parsed.problems)}`);
        }
        logger.warn(`skipping an invalid segment event${where}: ${formatProblems(parsed.problems)}`);
        return;
      }
      const event = parsed.event;
      if (!matchesFilter(event, options)) return;
      if (dedupe?.has(event.id)) return;
      await handler.call(this, event, context);
      dedupe?.remember(event.id);
    };
    Object.defineProperty(wrapped, 'name', { value: handler.name });
    descriptor.value = wrapped as unknown as T;
    // Nest passes only the payload to a handler without parameter decorators: ask for both
    // (unless the method declares its own @Payload() / @Ctx())
    if (!Reflect.hasMetadata(PARAM_ARGS_METADATA, target.constructor, key)) {
      Payload()(target, key, 0);
      Ctx()(target, key, 1);
    }
    EventPattern(topic, Transport.KAFKA)(target, key, descriptor);
    return descriptor;
  };
}

function describe(context: KafkaContext | undefined): string {
  try {
    if (!context) return '';
    return ` (${context.getTopic()}[${context.getPartition()}] @ ${context.getMessage().offset})`;
  } catch {
    return '';
  }
}

export interface SegmentEventsKafkaOptions {
  brokers: string | readonly string[];
  groupId: string;
  clientId?: string;
  /** Where a new group starts (default true: the oldest retained message). */
  fromBeginning?: boolean;
}

/**
 * Options for `app.connectMicroservice(...)` / `NestFactory.createMicroservice(...)` to consume
 * segment events: read committed, the group id exactly as given (no `-server` suffix), and
 * kafkajs auto-commit, which only commits offsets of messages whose handlers have resolved.
 */
export function segmentEventsKafkaOptions(options: SegmentEventsKafkaOptions): KafkaOptions {
  const brokers =
    typeof options.brokers === 'string'
      ? options.brokers.split(',').map((b) => b.trim())
      : [...options.brokers];
  return {
    transport: Transport.KAFKA,
    options: {
      postfixId: '',
      client: { clientId: options.clientId ?? options.groupId, brokers },
      consumer: { groupId: options.groupId, readUncommitted: false },
      subscribe: { fromBeginning: options.fromBeginning ?? true },
      run: { autoCommit: true },
    },
  };
}
