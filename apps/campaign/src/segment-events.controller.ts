import { Controller, type Type } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload, Transport } from '@nestjs/microservices';
import { SegmentEventIntake } from './segment-event.intake';

/**
 * The Kafka adapter: `@EventPattern(<segment events topic>)`. The topic comes from the
 * validated environment, and decorators need it when the class is defined, so the controller
 * class is made by this factory inside `CampaignModule.forRoot(env)`.
 */
export function segmentEventsController(topic: string): Type<unknown> {
  @Controller()
  class SegmentEventsController {
    constructor(private readonly intake: SegmentEventIntake) {}

    @EventPattern(topic, Transport.KAFKA)
    async onSegmentEvent(@Payload() _value: unknown, @Ctx() context: KafkaContext): Promise<void> {
      const message = context.getMessage();
      const consumer = context.getConsumer();
      await this.intake.handle(
        {
          topic: context.getTopic(),
          partition: context.getPartition(),
          offset: message.offset,
          key: keyOf(message.key),
          value: Buffer.isBuffer(message.value) ? message.value : null,
          headers: message.headers ?? {},
          timestamp: message.timestamp,
        },
        {
          heartbeat: context.getHeartbeat(),
          commit: (offsets) => consumer.commitOffsets(offsets),
        },
      );
    }
  }
  return SegmentEventsController;
}

/** Nest's parser turns the key into text (or JSON); keep it as text. */
function keyOf(key: unknown): Buffer | string | null {
  if (key === null || key === undefined) return null;
  if (typeof key === 'string' || Buffer.isBuffer(key)) return key;
  return JSON.stringify(key);
}
