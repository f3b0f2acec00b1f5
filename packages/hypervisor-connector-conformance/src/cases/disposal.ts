import type { HypervisorConnector } from '@hvc/hypervisor-connector';
import type { CaseContext } from '../case-context.js';
import type { ConformanceCase } from '../conformance-case.js';
import { expectError } from '../expect-error.js';

/** Checks that every kind of call on a closed connector throws UNAVAILABLE. */
async function expectClosed(connector: HypervisorConnector, guestId: string, how: string): Promise<void> {
  await expectError(connector.describe(), 'UNAVAILABLE', `describe() after ${how}`);
  await expectError(connector.listGuests(), 'UNAVAILABLE', `listGuests() after ${how}`);
  await expectError(connector.getGuest(guestId), 'UNAVAILABLE', `getGuest() after ${how}`);
  await expectError(connector.startGuest(guestId), 'UNAVAILABLE', `startGuest() after ${how}`);
}

/** The id of a guest of the target: one the kit creates when it can, else a listed one. */
async function someGuestId(ctx: CaseContext): Promise<string> {
  if (ctx.fixture.vmSpec || ctx.fixture.containerSpec) return (await ctx.createGuest()).id;
  const [guest] = await ctx.connector.listGuests();
  return guest ? guest.id : ctx.skip('the fixture cannot create guests and the target has none');
}

/** close() and Symbol.asyncDispose. */
export const disposalCases: readonly ConformanceCase[] = [
  {
    id: 'dispose.close',
    title: 'after close() every call throws UNAVAILABLE',
    async run(ctx) {
      const guestId = await someGuestId(ctx);
      const connector = await ctx.open('another');
      await connector.close();
      await expectClosed(connector, guestId, 'close()');
    },
  },
  {
    id: 'dispose.close-idempotent',
    title: 'close() can be called again and resolves',
    async run(ctx) {
      const connector = await ctx.open('another');
      await connector.close();
      await connector.close();
      await expectError(connector.listNodes(), 'UNAVAILABLE', 'listNodes() after two close() calls');
    },
  },
  {
    id: 'dispose.async-dispose',
    title: 'Symbol.asyncDispose closes the connector',
    async run(ctx) {
      const guestId = await someGuestId(ctx);
      const connector = await ctx.open('another');
      await connector[Symbol.asyncDispose]();
      await expectClosed(connector, guestId, 'Symbol.asyncDispose');
    },
  },
];
