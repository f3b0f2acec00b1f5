import {
  FULL_CAPABILITIES,
  type Guest,
  InvalidArgumentError,
  NotFoundError,
  type Operation,
} from '@hvc/hypervisor-connector';
import type { CallContext, ConnectorImplementation } from '../../src/index.js';

/** A guest reference of the recording implementation. */
export interface LabRef {
  readonly type: 'vm' | 'container';
  readonly id: string;
}

const operation = (type: Operation['type'], guestId?: string): Operation => ({
  id: `op:${type}`,
  type,
  ...(guestId === undefined ? {} : { guestId }),
  status: 'running',
  startedAt: '2025-01-01T00:00:00.000Z',
});

const guest = (id: string): Guest => ({
  id,
  type: id.startsWith('ct/') ? 'container' : 'vm',
  name: 'g',
  node: 'n1',
  state: 'running',
  template: false,
  tags: [],
  resources: { cpus: 1, memoryBytes: 1 },
  raw: {},
});

/** An implementation that records what reaches it. Guest ids are `vm/<n>` or `ct/<n>`. */
export function recording(overrides: Partial<ConnectorImplementation<LabRef>> = {}) {
  const calls: string[] = [];
  const contexts: CallContext[] = [];
  let closes = 0;
  const seen = (name: string, context: CallContext) => {
    calls.push(name);
    contexts.push(context);
  };
  const implementation: ConnectorImplementation<LabRef> = {
    kind: 'lab',
    target: 'lab-1',
    capabilities: {
      ...FULL_CAPABILITIES,
      memorySnapshots: false,
      unsupportedByGuestType: { container: { reset: 'containers cannot be reset' } },
    },
    guestRef(guestId) {
      const match = /^(vm|ct)\/\d+$/.exec(guestId);
      if (!match) {
        throw new InvalidArgumentError('invalid guest id', {
          violations: [{ field: 'guestId', message: 'no' }],
        });
      }
      return { type: match[1] === 'vm' ? 'vm' : 'container', id: guestId };
    },
    guestTypeOf: (ref) => ref.type,
    describe: async (c) => {
      seen('describe', c);
      throw new Error('unexpected');
    },
    listNodes: async (c) => {
      seen('listNodes', c);
      return [];
    },
    listGuests: async (filter, c) => {
      seen(`listGuests:${JSON.stringify(filter)}`, c);
      return [];
    },
    getGuest: async (ref, c) => {
      seen(`getGuest:${ref.id}`, c);
      return guest(ref.id);
    },
    createGuest: async (spec, c) => {
      seen(`createGuest:${spec.type}`, c);
      return operation('create', 'vm/1');
    },
    deleteGuest: async (ref, c) => {
      seen(`deleteGuest:${ref.id}`, c);
      return operation('delete', ref.id);
    },
    startGuest: async (ref, c) => {
      seen(`startGuest:${ref.id}`, c);
      return operation('start', ref.id);
    },
    stopGuest: async (ref, c) => {
      seen(`stopGuest:${ref.id}`, c);
      return new Promise<Operation>((_, reject) => {
        c.signal?.addEventListener('abort', () => reject(c.signal?.reason));
      });
    },
    shutdownGuest: async (ref, c) => {
      seen(`shutdownGuest:${ref.id}`, c);
      throw new NotFoundError('no such guest');
    },
    rebootGuest: async (ref, c) => {
      seen(`rebootGuest:${ref.id}`, c);
      return operation('reboot', ref.id);
    },
    resetGuest: async (ref, c) => {
      seen(`resetGuest:${ref.id}`, c);
      return operation('reset', ref.id);
    },
    createSnapshot: async (ref, spec, c) => {
      seen(`createSnapshot:${ref.id}:${spec.name}:${spec.includeMemory}`, c);
      return operation('snapshot.create', ref.id);
    },
    getOperation: async (id, c) => {
      seen(`getOperation:${id}`, c);
      return operation('start');
    },
    waitForOperation: async (id, options, c) => {
      seen(`waitForOperation:${id}:${options.timeoutMs}`, c);
      return { ...operation('start'), status: 'succeeded' };
    },
    close: async () => {
      closes++;
    },
    ...overrides,
  };
  return { implementation, calls, contexts, closes: () => closes };
}
