import type { Broker } from 'kafkajs';
import { remembering, type CoordinatorQuery } from './coordinator-cache';

describe('remembering coordinator lookups', () => {
  const broker = (id: number) => ({ id }) as unknown as Broker;

  it('answers from memory per client and (type, key) until the TTL passes', async () => {
    let clock = 0;
    const asked: string[] = [];
    const find = remembering(
      async (query: CoordinatorQuery) => {
        asked.push(`${query.coordinatorType ?? 0}:${query.groupId}`);
        return broker(asked.length);
      },
      1000,
      () => clock,
    );
    const client = {};
    const other = {};
    expect(await find.call(client, { groupId: 'tx', coordinatorType: 1 })).toEqual({ id: 1 });
    expect(await find.call(client, { groupId: 'tx', coordinatorType: 1 })).toEqual({ id: 1 });
    // another key, another type, another client: asked
    await find.call(client, { groupId: 'group' });
    await find.call(client, { groupId: 'tx' });
    await find.call(other, { groupId: 'tx', coordinatorType: 1 });
    expect(asked).toEqual(['1:tx', '0:group', '0:tx', '1:tx']);
    clock = 999;
    await find.call(client, { groupId: 'tx', coordinatorType: 1 });
    expect(asked).toHaveLength(4);
    // expired: asked again (a coordinator that moved is found again within the TTL)
    clock = 1000;
    expect(await find.call(client, { groupId: 'tx', coordinatorType: 1 })).toEqual({ id: 5 });
  });

  it('does not remember failures', async () => {
    let fail = true;
    const find = remembering(
      async () => {
        if (fail) throw new Error('GROUP_COORDINATOR_NOT_AVAILABLE');
        return broker(7);
      },
      1000,
      () => 0,
    );
    const client = {};
    await expect(find.call(client, { groupId: 'tx' })).rejects.toThrow('NOT_AVAILABLE');
    fail = false;
    expect(await find.call(client, { groupId: 'tx' })).toEqual({ id: 7 });
  });
});
