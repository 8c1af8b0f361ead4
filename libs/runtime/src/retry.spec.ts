import {
  AbandonedError,
  backoffDelay,
  errorText,
  retryUntilAborted,
  retryUntilDone,
  type RetryControl,
} from './retry';

describe('backoffDelay', () => {
  it('doubles from the base and caps at the maximum', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((a) => backoffDelay(a, 250, 10000))).toEqual([
      250, 500, 1000, 2000, 4000, 8000, 10000, 10000,
    ]);
    expect(backoffDelay(1000, 250, 10000)).toBe(10000);
  });
});

describe('retryUntilDone', () => {
  function control(keepGoing: () => boolean = () => true) {
    const slept: number[] = [];
    let beats = 0;
    const c: RetryControl = {
      shouldContinue: keepGoing,
      heartbeat: async () => {
        beats += 1;
      },
      sleep: async (ms) => {
        slept.push(ms);
      },
    };
    return { c, slept, beats: () => beats };
  }

  it('retries until the operation succeeds, heartbeating at least every interval while waiting', async () => {
    let calls = 0;
    const { c, slept, beats } = control();
    const retries: number[] = [];
    const result = await retryUntilDone(
      async () => {
        calls += 1;
        if (calls < 4) throw new Error('clickhouse down');
        return 'done';
      },
      c,
      {
        stage: 'insert-events',
        baseMs: 400,
        maxMs: 1500,
        heartbeatEveryMs: 1000,
        onRetry: (_attempt, _e, d) => retries.push(d),
      },
    );
    expect(result).toBe('done');
    expect(retries).toEqual([400, 800, 1500]);
    expect(slept).toEqual([400, 800, 1000, 500]);
    expect(beats()).toBe(4);
  });

  it('gives up with AbandonedError once the consumer stops, keeping the last error', async () => {
    let running = true;
    const { c } = control(() => running);
    const failure = retryUntilDone(
      async () => {
        running = false;
        throw new Error('connection refused');
      },
      c,
      { stage: 'publish-events', baseMs: 10, maxMs: 10, heartbeatEveryMs: 5 },
    );
    await expect(failure).rejects.toBeInstanceOf(AbandonedError);
    await expect(failure).rejects.toThrow(/publish-events.*connection refused/);
  });

  it('propagates a failing heartbeat (the group is rebalancing)', async () => {
    const { c } = control();
    c.heartbeat = async () => {
      throw new Error('rebalancing');
    };
    await expect(
      retryUntilDone(
        async () => {
          throw new Error('down');
        },
        c,
        { stage: 's', baseMs: 1, maxMs: 1, heartbeatEveryMs: 1 },
      ),
    ).rejects.toThrow('rebalancing');
  });
});

describe('retryUntilAborted', () => {
  it('retries with backoff until the step succeeds, reporting each failure', async () => {
    let calls = 0;
    const retries: [number, string, number][] = [];
    const value = await retryUntilAborted(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error(`down ${calls}`);
        return 'up';
      },
      new AbortController().signal,
      { baseMs: 1, maxMs: 2, onRetry: (a, e, d) => retries.push([a, errorText(e), d]) },
    );
    expect(value).toBe('up');
    expect(retries).toEqual([
      [1, 'down 1', 1],
      [2, 'down 2', 2],
    ]);
  });

  it('gives up with undefined once aborted, also in the middle of a wait', async () => {
    const abort = new AbortController();
    // a 60 s wait: the test times out unless the abort cuts it short
    const result = retryUntilAborted(() => Promise.reject(new Error('down')), abort.signal, {
      baseMs: 60_000,
      maxMs: 60_000,
      onRetry: () => setTimeout(() => abort.abort(), 10),
    });
    await expect(result).resolves.toBeUndefined();
  });
});
