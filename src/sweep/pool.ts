/**
 * Runs `jobs` tasks at once, each on a resource of its own (a fresh kernel) that is made one task ahead: while the
 * running tasks work, the next one's resource is already starting, so its start-up is hidden behind their work.
 * At most jobs + 1 resources exist at any time. A resource that fails to come up fails its task only.
 */
export interface PoolOptions<T, R> {
  jobs: number;
  acquire(): Promise<R>;
  /** Runs one task; returns true to go on, false to stop taking new tasks (--fail-fast, Ctrl-C). */
  run(item: T, resource: Promise<R>): Promise<boolean>;
  /** Frees a resource made ahead that no task took (the pool stopped early). */
  release(resource: R): Promise<void> | void;
}

export async function runPool<T, R>(items: readonly T[], opts: PoolOptions<T, R>): Promise<void> {
  let next = 0;
  let stopped = false;
  let ahead: Promise<R> | undefined;
  const take = (): Promise<R> => {
    const resource = ahead ?? opts.acquire();
    ahead = undefined;
    // Errors surface when the task awaits its resource; this copy only keeps the rejection from going unhandled.
    resource.catch(() => {});
    return resource;
  };
  const prefetch = () => {
    if (!stopped && ahead === undefined && next < items.length) {
      ahead = opts.acquire();
      ahead.catch(() => {});
    }
  };
  const worker = async () => {
    while (!stopped && next < items.length) {
      const item = items[next++];
      const resource = take();
      prefetch();
      if (!(await opts.run(item, resource))) stopped = true;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, items.length)) }, worker));
  if (ahead) {
    const spare = ahead;
    ahead = undefined;
    await spare.then((r) => opts.release(r), () => {});
  }
}
