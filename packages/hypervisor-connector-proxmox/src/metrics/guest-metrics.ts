import type { ConnectorImplementation } from '@hvc/hypervisor-connector-kit';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { guestPath, onGuest } from '../guests/guest-scope.js';
import type { PveGuestRef } from '../mapping/guest-id.js';
import { metricSeriesFromPve } from '../mapping/metrics-mapping.js';
import { PveRrdDataSchema } from '../schemas/nodes.js';

/** A guest's metric series from its node's RRD (`rrddata`, averages) for the timeframe asked. */
export function metricsMethods(
  pve: ProxmoxContext,
): Pick<ConnectorImplementation<PveGuestRef>, 'getMetrics'> {
  return {
    getMetrics: (ref, { timeframe }, { signal }) =>
      onGuest(pve, ref, signal, async (node) =>
        metricSeriesFromPve(
          ref.id,
          timeframe,
          await pve.client.get(
            `${guestPath(ref, node)}/rrddata`,
            { timeframe, cf: 'AVERAGE' },
            PveRrdDataSchema,
            {
              node,
              signal,
            },
          ),
        ),
      ),
  };
}
