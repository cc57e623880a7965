import { describe, expect, test } from 'vitest';
import { alongside } from '../src/transfer/alongside.ts';
import { deferred } from './fixtures/deferred.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('alongside', () => {
  test('returns both results once both are done', async () => {
    const background = deferred<number>();
    const result = alongside(background.promise, async () => 'verified');
    let done = false;
    void result.then(() => {
      done = true;
    });
    await tick();
    expect(done).toBe(false);
    background.resolve(6);
    expect(await result).toEqual(['verified', 6]);
  });

  test('a failing work still waits for the background before it rejects', async () => {
    const background = deferred<number>();
    const events: string[] = [];
    const result = alongside(background.promise, async () => {
      throw new Error('verification broke');
    }).catch((error: Error) => {
      events.push(`rejected: ${error.message}`);
    });
    await tick();
    events.push('background ends');
    background.resolve(1);
    await result;
    expect(events).toEqual(['background ends', 'rejected: verification broke']);
  });

  test("the background's failure is reported after the work succeeds", async () => {
    const background = deferred<number>();
    const result = alongside(background.promise, async () => 'verified');
    background.reject(new Error('index build failed'));
    await expect(result).rejects.toThrow('index build failed');
  });

  test('when both fail, the work is the error reported and the background is not unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const background = deferred<number>();
      const result = alongside(background.promise, async () => {
        await tick();
        throw new Error('verification broke');
      });
      background.reject(new Error('index build failed'));
      await expect(result).rejects.toThrow('verification broke');
      await tick();
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
