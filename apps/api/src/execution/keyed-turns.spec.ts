import { KeyedTurns } from './keyed-turns';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe(KeyedTurns.name, () => {
  it('should give turns of one key one at a time, in arrival order', async () => {
    const sut = new KeyedTurns();
    const order: string[] = [];
    const first = await sut.take('alice', 1000);
    const second = sut.take('alice', 1000).then((end) => {
      order.push('second');
      return end;
    });
    const third = sut.take('alice', 1000).then((end) => {
      order.push('third');
      return end;
    });
    await tick();
    expect(order).toEqual([]);

    first?.();
    (await second)?.();
    (await third)?.();

    expect(order).toEqual(['second', 'third']);
    expect(sut.size).toBe(0);
  });

  it('should not make another key wait', async () => {
    const sut = new KeyedTurns();
    const alice = await sut.take('alice', 1000);

    const bob = await sut.take('bob', 1000);

    expect(bob).toBeInstanceOf(Function);
    alice?.();
    bob?.();
  });

  it('should give up after the timeout and pass its turn on when it comes', async () => {
    const sut = new KeyedTurns();
    const first = await sut.take('alice', 1000);
    const impatient = await sut.take('alice', 10);
    const next = sut.take('alice', 1000);

    expect(impatient).toBeUndefined();
    first?.();
    const end = await next;
    expect(end).toBeInstanceOf(Function);
    end?.();
    await tick();
    expect(sut.size).toBe(0);
  });
});
