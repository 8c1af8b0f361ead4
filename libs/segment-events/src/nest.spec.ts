import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { Transport, type KafkaContext } from '@nestjs/microservices';
import {
  PARAM_ARGS_METADATA,
  PATTERN_HANDLER_METADATA,
  PATTERN_METADATA,
  TRANSPORT_METADATA,
} from '@nestjs/microservices/constants';
import { contractExample } from './testing';
import { OnSegmentEvent, segmentEventsKafkaOptions } from './nest';
import type { SegmentEvent } from './segment-event';

const context = {
  getTopic: () => 'cdp.segment-events',
  getPartition: () => 0,
  getMessage: () => ({ offset: '7' }),
} as unknown as KafkaContext;

class Listener {
  readonly churned: SegmentEvent[] = [];
  readonly all: string[] = [];

  @OnSegmentEvent({ topic: 't.segment-events', segment: 'churned', type: 'entered' })
  async onChurned(event: SegmentEvent, ctx: KafkaContext): Promise<void> {
    expect(ctx).toBe(context);
    this.churned.push(event);
  }

  @OnSegmentEvent({ topic: 't.segment-events', dedupe: false })
  onAny(event: SegmentEvent): void {
    this.all.push(event.id);
  }

  @OnSegmentEvent({ topic: 't.segment-events', onInvalid: 'throw' })
  strict(_event: SegmentEvent): void {}
}

describe('@OnSegmentEvent', () => {
  it('registers an event pattern for the topic on the Kafka transport', () => {
    const method = Listener.prototype.onChurned;
    expect(Reflect.getMetadata(PATTERN_METADATA, method)).toEqual(['t.segment-events']);
    expect(Reflect.getMetadata(PATTERN_HANDLER_METADATA, method)).toBe(2); // PatternHandler.EVENT
    expect(Reflect.getMetadata(TRANSPORT_METADATA, method)).toBe(Transport.KAFKA);
    expect(method.name).toBe('onChurned');
    // payload and context are both passed to the method
    const params = Reflect.getMetadata(PARAM_ARGS_METADATA, Listener, 'onChurned') as Record<
      string,
      { index: number }
    >;
    expect(
      Object.values(params)
        .map((p) => p.index)
        .sort(),
    ).toEqual([0, 1]);
  });

  it('calls the method with the typed event for matching, new events only', async () => {
    const l = new Listener();
    const churned = contractExample({ id: 's-1', segment: { id: 'churned', version: 1 } });
    await l.onChurned(churned as never, context);
    await l.onChurned(Buffer.from(JSON.stringify(churned)) as never, context); // a repeat: deduped
    await l.onChurned(contractExample({ id: 's-2' }) as never, context); // other segment
    await l.onChurned(
      contractExample({ id: 's-3', type: 'segment.exited', segment: { id: 'churned', version: 1 } }) as never,
      context,
    );
    expect(l.churned.map((e) => e.id)).toEqual(['s-1']);

    l.onAny(contractExample({ id: 'x' }) as never);
    l.onAny(contractExample({ id: 'x' }) as never);
    await Promise.resolve();
    expect(l.all).toEqual(['x', 'x']); // dedupe: false
  });

  it('skips invalid payloads, or throws when asked to', async () => {
    const l = new Listener();
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await expect(l.onChurned({ id: 1 } as never, context)).resolves.toBeUndefined();
    expect(l.churned).toEqual([]);
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/^skipping an invalid segment event \(cdp.segment-events\[0\] @ 7\): id must be/),
    );
    warn.mockRestore();
    await expect(l.strict('nope' as never)).rejects.toThrow(/^invalid segment event: is not JSON/);
  });
});

describe('segmentEventsKafkaOptions', () => {
  it('reads committed with the group id as given', () => {
    const options = segmentEventsKafkaOptions({ brokers: 'a:9092, b:9092', groupId: 'crm-sync' });
    expect(options).toEqual({
      transport: Transport.KAFKA,
      options: {
        postfixId: '',
        client: { clientId: 'crm-sync', brokers: ['a:9092', 'b:9092'] },
        consumer: { groupId: 'crm-sync', readUncommitted: false },
        subscribe: { fromBeginning: true },
        run: { autoCommit: true },
      },
    });
  });
});
