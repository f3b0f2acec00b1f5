import { METRIC_TIMEFRAMES } from '@hvc/hypervisor-connector';
import { expect } from 'vitest';
import type { ConformanceCase } from '../conformance-case.js';
import { expectInvalidField, fail } from '../expect-error.js';

/** Consoles and metrics of a guest. */
export const consoleMetricsCases: readonly ConformanceCase[] = [
  {
    id: 'console.open',
    title: 'openConsole() gives a ticket for each protocol offered, with no secret in its raw record',
    needs: ['guestSpec'],
    async run(ctx) {
      const protocols = (await ctx.capabilities()).console;
      if (protocols.length === 0) ctx.skip('the connector offers no console protocol');
      const guest = await ctx.createGuest({ state: 'running' });
      for (const protocol of protocols) {
        const ticket = await ctx.connector.openConsole(guest.id, { protocol });
        expect({ protocol: ticket.protocol, guestId: ticket.guestId, node: ticket.node }).toEqual({
          protocol,
          guestId: guest.id,
          node: guest.node,
        });
        expect(typeof ticket.ticket).toBe('string');
        expect(ticket.ticket.length).toBeGreaterThan(0);
        const raw = JSON.stringify(ticket.raw);
        if (raw.includes(ticket.ticket)) fail(`the ${protocol} ticket's raw record holds the ticket`);
        if (ticket.password && raw.includes(ticket.password)) {
          fail(`the ${protocol} raw record holds the password`);
        }
      }
    },
  },
  {
    id: 'console.invalid-protocol',
    title: 'openConsole() with an unknown protocol throws INVALID_ARGUMENT naming it',
    needs: ['guestSpec'],
    async run(ctx) {
      const guest = await ctx.createGuest({ state: 'running' });
      await expectInvalidField(
        ctx.connector.openConsole(guest.id, { protocol: 'telnet' as never }),
        'protocol',
        'console protocol "telnet"',
      );
    },
  },
  {
    id: 'metrics.series',
    title: 'getMetrics() returns the guest’s series for the timeframe asked, oldest point first',
    needs: ['guestSpec'],
    async run(ctx) {
      await ctx.requireCapability('metrics');
      const guest = await ctx.createGuest({ state: 'running' });
      const byDefault = await ctx.connector.getMetrics(guest.id);
      expect(byDefault.timeframe).toBe('hour');
      for (const timeframe of METRIC_TIMEFRAMES.slice(0, 2)) {
        const series = await ctx.connector.getMetrics(guest.id, { timeframe });
        expect(series.guestId).toBe(guest.id);
        expect(series.timeframe).toBe(timeframe);
        expect(series.resolutionSeconds).toBeGreaterThan(0);
        const times = series.points.map((p) => Date.parse(p.time));
        expect(
          times.every((t) => !Number.isNaN(t)),
          'every point time is ISO 8601',
        ).toBe(true);
        expect(times).toEqual([...times].sort((a, b) => a - b));
      }
      await expectInvalidField(
        ctx.connector.getMetrics(guest.id, { timeframe: 'decade' as never }),
        'timeframe',
        'timeframe "decade"',
      );
    },
  },
];
