/**
 * Entry of a worker forked by its receiver (workers/fork.ts): waits for its configuration on the
 * IPC channel, runs the worker (workers/start.ts), claims each hand-off it is told of, and stops
 * when told to (SIGTERM) or when its parent is gone (the channel closes: a receiver killed with
 * SIGKILL leaves no orphan sending on its own).
 */
import { isSharedStore, parseStoreUrl } from '../store/location.js';
import { isToWorker } from './protocol.js';
import { startWorker, type Worker } from './start.js';

let worker: Promise<Worker> | undefined;
let exiting = false;

function exit(code: number): void {
  if (exiting) return;
  exiting = true;
  const stopped = worker ? worker.then((running) => running.stop()) : Promise.resolve();
  stopped.then(
    () => process.exit(code),
    () => process.exit(1),
  );
}

process.on('message', (message: unknown) => {
  if (!isToWorker(message)) return;
  if (message.type === 'start') {
    if (worker) return;
    const { config, instanceId, receiverId } = message;
    worker = startWorker(config, {
      receiverId,
      identity: {
        instanceId,
        // On SQLite, the receiver is the one other process alive beside this one.
        exclusiveStore: !isSharedStore(parseStoreUrl(config.storeUrl)),
        siblings: () => [receiverId],
      },
    });
    worker.then(
      () => process.send?.({ type: 'ready' }),
      (error: unknown) => {
        process.send?.({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
        process.exit(1);
      },
    );
    return;
  }
  if (message.type === 'metrics') {
    const { id } = message;
    void worker
      ?.then((running) => running.metricsJson())
      .then(
        (metrics) => process.send?.({ type: 'metrics', id, metrics }),
        () => process.send?.({ type: 'metrics', id, metrics: [] }),
      );
    return;
  }
  if (message.type === 'revoke') {
    const { revoke } = message;
    void worker?.then((running) => running.revoke(revoke));
    return;
  }
  if (message.type === 'update') {
    const { update } = message;
    void worker?.then((running) => running.update(update));
    return;
  }
  const { relays } = message;
  void worker?.then((running) => {
    for (const { relayId, responseUrl } of relays) running.notify(relayId, responseUrl);
  });
});
process.on('disconnect', () => exit(0));
process.on('SIGTERM', () => exit(0));
process.on('SIGINT', () => exit(0));
