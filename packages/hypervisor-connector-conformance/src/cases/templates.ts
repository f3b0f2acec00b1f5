import { expect } from 'vitest';
import type { ConformanceCase } from '../conformance-case.js';
import { expectError } from '../expect-error.js';
import { expectStartedOperation } from './lifecycle.js';

/** Converting guests to templates. */
export const templateCases: readonly ConformanceCase[] = [
  {
    id: 'templates.convert',
    title:
      'convertToTemplate() makes a stopped guest a template, again without a change; a template does not start; a running guest is CONFLICT',
    needs: ['guestSpec'],
    async run(ctx) {
      await ctx.requireCapability('templates');
      const guest = await ctx.createGuest();
      const operation = await ctx.connector.convertToTemplate(guest.id);
      expectStartedOperation(operation, 'template.convert', guest.id);
      await ctx.wait(operation);
      expect((await ctx.connector.getGuest(guest.id)).template).toBe(true);
      await ctx.wait(await ctx.connector.convertToTemplate(guest.id));
      const again = await ctx.connector.getGuest(guest.id);
      expect(again.template).toBe(true);
      expect(again.state).toBe('stopped');
      await expectError(ctx.connector.startGuest(guest.id), 'CONFLICT', 'startGuest() of a template');
      expect((await ctx.connector.getGuest(guest.id)).state).toBe('stopped');

      const running = await ctx.createGuest({ state: 'running' });
      const refused = await expectError(
        ctx.connector.convertToTemplate(running.id),
        'CONFLICT',
        'convertToTemplate() of a running guest',
      );
      expect(refused.retryable, 'a running guest stays running: retrying changes nothing').toBe(false);
      expect((await ctx.connector.getGuest(running.id)).template).toBe(false);
    },
  },
];
