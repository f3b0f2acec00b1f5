import type { Operation } from '@hvc/hypervisor-connector';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import { requireState } from '../domains/domain-status.js';
import { readGuestDevices } from './guest-devices-read.js';
import { writeHvcMetadata } from './guest-update.js';

/**
 * `convertToTemplate`: libvirt has no templates, so the guest's hvc metadata gets the template mark
 * (`DOMAIN_SET_METADATA`); from then on a start is CONFLICT and `source: template` clones it. Only a shut off guest
 * (CONFLICT otherwise); a template already is one, and the operation succeeds without a change.
 */
export async function convertToTemplate(
  context: LibvirtContext,
  uuid: string,
  signal?: AbortSignal,
): Promise<Operation> {
  const { status, active, definition } = await readGuestDevices(context, uuid, signal);
  const already = definition.metadata.template;
  if (!already) requireState(status, !active, 'convert', 'a template never runs: stop it first');
  const { host, dom } = status;
  return context.operations.begin({
    type: 'template.convert',
    node: context.target.nodeName(host),
    uuid,
    raw: { host: host.display, name: dom.name, changed: !already },
    work: async (run) => {
      if (!already)
        await writeHvcMetadata(status, { ...definition.metadata, template: true }, false, run.closing);
      return undefined;
    },
  });
}
