import { type HypervisorConnector, isHypervisorError } from '@hvc/hypervisor-connector';
import { abortableDelay } from '@hvc/hypervisor-connector-kit';

/**
 * Best-effort removal of a guest a case created: stops it, deletes it, and retries while it is busy (an operation
 * of the case may still hold it) until `timeoutMs` has passed. Never throws: cleanup must not hide the case's own
 * result.
 */
export async function removeGuest(
  connector: HypervisorConnector,
  guestId: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const guest = await connector.getGuest(guestId);
      if (guest.state !== 'stopped') {
        const stop = await connector.stopGuest(guestId);
        await connector.waitForOperation(stop.id, { timeoutMs });
      }
      const removal = await connector.deleteGuest(guestId);
      await connector.waitForOperation(removal.id, { timeoutMs });
      return;
    } catch (error) {
      if (isHypervisorError(error, 'NOT_FOUND')) return;
      if (!isHypervisorError(error, 'CONFLICT')) return;
      await abortableDelay(200);
    }
  }
}
