import {
  type ErrorCode,
  isHypervisorError,
  NotFoundError,
  type Operation,
  type OperationType,
  type WaitOptions,
} from '@hvc/hypervisor-connector';
import type { Clock } from '../clock/clock.js';
import { type OperationHandle, OperationRecords } from './operation-records.js';
import { OperationWaiter } from './operation-waiter.js';

/**
 * One step of a chain: a hypervisor call built from the spec with absolute values (whole config values, absolute
 * disk sizes, "start" where already running counts as done), so a chain run twice converges.
 */
export interface ChainStep {
  readonly type: OperationType;
  /** Starts the step: the operation to wait for, or `undefined` when it is done at once (a synchronous call). */
  readonly run: (signal: AbortSignal) => Promise<Operation | undefined>;
}

/** What a chain starts with. */
export interface ChainStart {
  readonly type: OperationType;
  readonly guestId?: string;
  readonly resourceId?: string;
}

/** Settings of {@link OperationChains}. */
export interface OperationChainsOptions {
  /** Chain ids are `<prefix><n>`; it must tell them apart from the connector's other operation ids. */
  readonly idPrefix: string;
  /** Waits for a step's operation to end, throwing when it failed (the connector's own `waitForOperation`). */
  readonly waitStep: (operation: Operation, signal: AbortSignal) => Promise<Operation>;
  /** Cancels a running step's operation (the connector's own `cancelOperation`). */
  readonly cancelStep?: (operationId: string) => Promise<unknown>;
  readonly clock?: Clock;
  readonly target?: string;
}

/** The state of one step as the chain's `raw.steps` shows it. */
interface StepState {
  readonly type: OperationType;
  status: Operation['status'] | 'pending';
  operationId?: string;
}

interface RunningChain {
  readonly handle: OperationHandle;
  readonly steps: StepState[];
  readonly controller: AbortController;
  readonly resourceId?: string;
}

/**
 * Operations made of several hypervisor operations run one after the other (clone → configure → resize → start), as
 * one contract operation: its progress is the share of steps done, its `raw.steps` each step's operation id, and it
 * fails with the first step that fails (its code and message). Cancelling it cancels the running step and skips the
 * rest.
 *
 * Chains run in this process, and their ids resolve only here: another process (a second server replica) cannot
 * follow a chain yet, though it can follow each step's own operation by the id in `raw.steps`.
 */
export class OperationChains {
  readonly #options: OperationChainsOptions;
  readonly #records: OperationRecords;
  readonly #chains = new Map<string, RunningChain>();
  readonly #waiter: OperationWaiter;

  constructor(options: OperationChainsOptions) {
    this.#options = options;
    this.#records = new OperationRecords({
      idPrefix: options.idPrefix,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
    this.#waiter = new OperationWaiter({
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.target === undefined ? {} : { target: options.target }),
    });
  }

  /** Whether `id` is a chain id of this kind (known here or not). */
  owns(id: string): boolean {
    return id.startsWith(this.#options.idPrefix);
  }

  /** Starts running `steps` in order and returns the chain's operation, running. */
  start(start: ChainStart, steps: readonly ChainStep[]): Operation {
    const handle = this.#records.begin({
      type: start.type,
      ...(start.guestId === undefined ? {} : { guestId: start.guestId }),
      progress: 0,
    });
    const chain: RunningChain = {
      handle,
      steps: steps.map((step) => ({ type: step.type, status: 'pending' })),
      controller: new AbortController(),
      ...(start.resourceId === undefined ? {} : { resourceId: start.resourceId }),
    };
    this.#chains.set(handle.id, chain);
    void this.#run(chain, steps);
    return this.#view(chain);
  }

  /** The chain's operation now; NOT_FOUND for an id this process does not run. */
  get(id: string): Operation {
    return this.#view(this.#chain(id));
  }

  /** Waits for the chain to end, as the contract's `waitForOperation` does. */
  wait(id: string, options?: WaitOptions): Promise<Operation> {
    const chain = this.#chain(id);
    return this.#waiter.wait(
      id,
      {
        poll: async () => this.#view(chain),
        subscribe: (onChange) => this.#records.subscribe(id, onChange),
      },
      options,
    );
  }

  /** Cancels the running step and skips the rest; an ended chain is left as it is. */
  async cancel(id: string): Promise<Operation> {
    const chain = this.#chain(id);
    if (chain.handle.ended) return this.#view(chain);
    const running = chain.steps.find((step) => step.status === 'running');
    if (running !== undefined) running.status = 'cancelled';
    // Ended first, so the aborted wait of the running step does not count as its failure.
    chain.handle.cancel();
    chain.controller.abort();
    if (running?.operationId !== undefined) {
      await this.#options.cancelStep?.(running.operationId).catch(() => undefined);
    }
    return this.#view(chain);
  }

  /** Stops every running chain (its running step goes on at the hypervisor). */
  close(): void {
    for (const chain of this.#chains.values()) {
      if (!chain.handle.ended) {
        chain.controller.abort();
        chain.handle.cancel('the connector was closed');
      }
    }
  }

  #chain(id: string): RunningChain {
    const chain = this.#chains.get(id);
    if (chain === undefined) {
      throw new NotFoundError(
        `operation ${id} is not known to this process (chained operations are followed where they run)`,
        {
          operationId: id,
          ...(this.#options.target === undefined ? {} : { target: this.#options.target }),
        },
      );
    }
    return chain;
  }

  #view(chain: RunningChain): Operation {
    return {
      ...chain.handle.snapshot(),
      ...(chain.resourceId === undefined ? {} : { resourceId: chain.resourceId }),
      raw: { steps: chain.steps.map((step) => ({ ...step })) },
    };
  }

  async #run(chain: RunningChain, steps: readonly ChainStep[]): Promise<void> {
    const { signal } = chain.controller;
    for (const [index, step] of steps.entries()) {
      const state = chain.steps[index] as StepState;
      if (signal.aborted || chain.handle.ended) return;
      state.status = 'running';
      try {
        const operation = await step.run(signal);
        if (operation !== undefined) {
          state.operationId = operation.id;
          this.#records.notifyAll();
          await this.#options.waitStep(operation, signal);
        }
        if (chain.handle.ended) return;
        state.status = 'succeeded';
        chain.handle.progress((index + 1) / steps.length);
      } catch (error) {
        if (chain.handle.ended) return;
        state.status = 'failed';
        const code: ErrorCode = isHypervisorError(error) ? error.code : 'INTERNAL';
        const message = error instanceof Error ? error.message : String(error);
        chain.handle.fail({ code, message: `${step.type} step failed: ${message}` });
        return;
      }
    }
    chain.handle.succeed();
  }
}
