// Preloaded into the api process by bench/events.mjs (`node --expose-gc -r ...`): answers
// {type: 'memory'} over the IPC channel with process.memoryUsage() taken after a full GC.
// Benchmark-only; the service itself has no such hook.
'use strict';

process.on('message', (message) => {
  if (!message || message.type !== 'memory') return;
  if (typeof global.gc === 'function') {
    global.gc();
    global.gc();
  }
  setTimeout(() => {
    process.send({ type: 'memory', id: message.id, usage: process.memoryUsage() });
  }, 200);
});
