/** A push-to-pull bridge: callbacks push values, one consumer iterates them in order. */
export interface AsyncQueue<T> extends AsyncIterable<T> {
  push(value: T): void;
  /** Ends the iteration after the values already pushed. */
  end(): void;
  /** Ends the iteration with `error` after the values already pushed. */
  fail(error: unknown): void;
}

/** Creates an {@link AsyncQueue}. */
export function createAsyncQueue<T>(): AsyncQueue<T> {
  const values: T[] = [];
  let done = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  return {
    push(value) {
      if (done) return;
      values.push(value);
      notify();
    },
    end() {
      done = true;
      notify();
    },
    fail(error) {
      if (done) return;
      failure = { error };
      done = true;
      notify();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (values.length > 0) {
          yield values.shift()!;
          continue;
        }
        if (done) {
          if (failure) throw failure.error;
          return;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
  };
}
