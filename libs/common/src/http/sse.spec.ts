import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import { closeSseStreams, countSseStreams, openSse } from './sse';

/** Enough of an express response for an SSE stream. */
function fakeResponse(app: object) {
  const res = Object.assign(new EventEmitter(), {
    app,
    written: '',
    writableEnded: false,
    headersSent: false,
    status: () => res,
    setHeader: () => res,
    flushHeaders: () => undefined,
    write(chunk: string) {
      res.written += chunk;
      return true;
    },
    end() {
      res.writableEnded = true;
      res.emit('close');
    },
  });
  return res;
}

describe(closeSseStreams.name, () => {
  it('should tell and close the streams of one app only', async () => {
    const app = {};
    const other = {};
    const a = fakeResponse(app);
    const b = fakeResponse(other);
    const streamA = openSse(a as unknown as Response, 60_000);
    const streamB = openSse(b as unknown as Response, 60_000);
    expect(countSseStreams(app)).toBe(1);

    expect(await closeSseStreams(app, 1000)).toBe(1);
    expect(a.written).toContain('retry: 1000\nevent: shutdown\ndata: {"reason":"shutdown"');
    expect(streamA.closed).toBe(true);
    expect(a.writableEnded).toBe(true);
    expect(countSseStreams(app)).toBe(0);
    expect(streamB.closed).toBe(false);
    streamB.close();
    expect(countSseStreams(other)).toBe(0);
  });

  it('should let a stream with a shutdown listener end itself, and close it after the grace', async () => {
    const app = {};
    const polite = fakeResponse(app);
    const slow = fakeResponse(app);
    const politeStream = openSse(polite as unknown as Response, 60_000);
    const slowStream = openSse(slow as unknown as Response, 60_000);
    politeStream.onShutdown(() => {
      politeStream.send({ code: 55003 });
      politeStream.close();
    });
    slowStream.onShutdown(() => undefined);

    await closeSseStreams(app, 100);
    expect(polite.written).toContain('data: {"code":55003}');
    expect(polite.written).not.toContain('event: shutdown');
    expect(slowStream.closed).toBe(true);
    expect(slow.written).not.toContain('event: shutdown');
  });
});
