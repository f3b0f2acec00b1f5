import type { GuestEvent } from '@hvc/hypervisor-connector';
import { expect } from 'vitest';
import type { CaseContext } from '../case-context.js';
import type { ConformanceCase } from '../conformance-case.js';
import { fail } from '../expect-error.js';

/**
 * Reads `events` until `seen` accepts one; fails when the watch ends first (it is aborted after `waitTimeoutMs`, so
 * a connector that never reports the change fails the case instead of hanging it). A `sync` may come at any time
 * (after a gap): `seen` judges it like any other event.
 */
async function expectEvent(
  ctx: CaseContext,
  events: AsyncIterator<GuestEvent>,
  what: string,
  seen: (event: GuestEvent) => boolean,
): Promise<GuestEvent> {
  for (;;) {
    const next = await events.next();
    if (next.done) fail(`watchGuests() showed no ${what} within ${ctx.waitTimeoutMs} ms`);
    expect(typeof next.value.at, 'an event’s at').toBe('string');
    if (seen(next.value)) return next.value;
  }
}

/** `watchGuests`, on the guests of a name prefix no other case uses. */
export const guestWatchCases: readonly ConformanceCase[] = [
  {
    id: 'watch.sync-added-removed',
    title: 'watchGuests() sends a sync first, then added for a created guest and removed once it is deleted',
    needs: ['guestSpec'],
    async run(ctx) {
      await ctx.requireCapability('watch');
      await ctx.requireCapability('create');
      const name = ctx.uniqueName('watch');
      const controller = new AbortController();
      const events = ctx.connector
        .watchGuests({ namePrefix: name }, { signal: controller.signal })
        [Symbol.asyncIterator]();
      // Each step gets its own bound: a connector that never reports fails the case instead of hanging it.
      let bound = setTimeout(() => controller.abort(), ctx.waitTimeoutMs);
      try {
        const first = await events.next();
        if (first.done) fail(`watchGuests() sent no first event (a sync) within ${ctx.waitTimeoutMs} ms`);
        expect(first.value, 'the first event').toMatchObject({ type: 'sync', guests: [] });
        clearTimeout(bound);

        bound = setTimeout(() => controller.abort(), ctx.waitTimeoutMs);
        const guest = await ctx.createGuest({ name });
        const added = await expectEvent(
          ctx,
          events,
          `an added event for ${guest.id}`,
          (event) =>
            (event.type === 'added' && event.guest.id === guest.id) ||
            (event.type === 'sync' && event.guests.some((g) => g.id === guest.id)),
        );
        if (added.type === 'added') expect(added.guest.name).toBe(name);
        clearTimeout(bound);

        bound = setTimeout(() => controller.abort(), ctx.waitTimeoutMs);
        await ctx.wait(await ctx.connector.deleteGuest(guest.id));
        const removed = await expectEvent(
          ctx,
          events,
          `a removed event for ${guest.id}`,
          (event) =>
            (event.type === 'removed' && event.guestId === guest.id) ||
            (event.type === 'sync' && !event.guests.some((g) => g.id === guest.id)),
        );
        if (removed.type === 'removed') expect(removed.previous.id).toBe(guest.id);
        clearTimeout(bound);

        controller.abort();
        expect(await events.next(), 'a watch after its signal fired').toEqual({
          done: true,
          value: undefined,
        });
      } finally {
        clearTimeout(bound);
        controller.abort();
        await events.return?.();
      }
    },
  },
];
