/**
 * Provisioning end to end through the server's API against a memory target, over gRPC, gRPC-Web and Connect:
 * inventory pages (their tokens bound to the organisation, target and list), a VM created from a disk image with an
 * SSH key, a static address and a password, its configuration and addresses, disk and NIC changes, and a template
 * made of it. Writes honour idempotency keys like every other write.
 */
import { randomUUID } from 'node:crypto';
import { toJson } from '@bufbuild/protobuf';
import { Code, createClient } from '@connectrpc/connect';
import { IDEMPOTENCY_KEY_HEADER } from '@hvc/client';
import {
  GuestConfigSchema,
  GuestService,
  GuestType,
  InventoryService,
  type Operation,
  OperationService,
  OperationStatus,
} from '@hvc/client/v1';
import { beforeAll, describe, expect, it } from 'vitest';
import { codeOf } from '../support/call-code.js';
import { TRANSPORTS } from '../support/protocol-transports.js';
import { securitySuite } from '../support/security-suite.js';

const PASSWORD = 'Fl0w-S3cret-Passw0rd';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGr1Y5N1cOl1ZQ4Kx9wJ6mJb7x0aZ8mVZQJ3qv1X0Yw8 ops@example';

const suite = securitySuite();

const { as } = suite;

describe.each(Object.keys(TRANSPORTS))('provisioning through the API over %s', (name) => {
  let guests: ReturnType<typeof createClient<typeof GuestService>>;
  let inventory: ReturnType<typeof createClient<typeof InventoryService>>;
  let operations: ReturnType<typeof createClient<typeof OperationService>>;
  beforeAll(() => {
    const transport = TRANSPORTS[name]!(suite.stack.url);
    guests = createClient(GuestService, transport);
    inventory = createClient(InventoryService, transport);
    operations = createClient(OperationService, transport);
  });

  /** Waits for an operation to end and expects it to have succeeded. */
  async function succeeded(operation: Operation | undefined): Promise<Operation> {
    let last: Operation | undefined;
    for await (const { operation: o } of operations.watchOperation(
      { targetId: 'mem-a', operationId: operation!.id },
      as('viewer'),
    )) {
      last = o;
    }
    expect(last?.status, last?.error?.message).toBe(OperationStatus.SUCCEEDED);
    return last!;
  }

  it('pages the inventory with tokens that work only for their organisation, target and list', async () => {
    const ids: string[] = [];
    let pageToken = '';
    let first = '';
    do {
      const page = await inventory.listStorages({ targetId: 'mem-a', pageSize: 1, pageToken }, as('viewer'));
      expect(page.storages).toHaveLength(1);
      ids.push(page.storages[0]!.id);
      pageToken = page.nextPageToken;
      if (first === '') first = pageToken;
    } while (pageToken !== '');
    expect(ids).toEqual(['local', 'local-lvm', 'shared-nfs']);
    // Replayed on another list, another target of the organisation, or another organisation's target.
    expect(await codeOf(inventory.listNetworks({ targetId: 'mem-a', pageToken: first }, as('viewer')))).toBe(
      Code.InvalidArgument,
    );
    expect(
      await codeOf(inventory.listStorages({ targetId: 'mem-slow', pageToken: first }, as('viewer'))),
    ).toBe(Code.InvalidArgument);
    expect(await codeOf(inventory.listStorages({ targetId: 'mem-b', pageToken: first }, as('gadmin')))).toBe(
      Code.InvalidArgument,
    );

    const networks = await inventory.listNetworks({ targetId: 'mem-a', kinds: ['bridge'] }, as('viewer'));
    expect(networks.networks.map((n) => n.id)).toEqual(['vmbr0', 'vmbr1']);
    expect(networks.networks[0]).toMatchObject({ kind: 'bridge', vlanAware: true, cidr: '192.168.0.0/24' });
    const images = await inventory.listImages({ targetId: 'mem-a', kinds: ['disk-image'] }, as('viewer'));
    expect(images.images.map((i) => i.id)).toEqual(['shared-nfs:import/noble-server-cloudimg-amd64.qcow2']);
    expect(images.images[0]!.virtualSizeBytes).toBe(3_758_096_384n);
  });

  it('creates a VM from an image with a key, a static address and a password, then changes and templates it', async () => {
    const key = { [IDEMPOTENCY_KEY_HEADER]: randomUUID() };
    const request = {
      targetId: 'mem-a',
      spec: {
        type: GuestType.VM,
        name: `prov-${name}`,
        nics: [{ bridge: '', network: 'vmbr1' }],
        source: {
          case: 'image' as const,
          value: { volumeId: 'shared-nfs:import/noble-server-cloudimg-amd64.qcow2' },
        },
        bootDisk: { sizeGib: 10, storage: 'local-lvm' },
        cloudInit: {
          user: 'ops',
          password: PASSWORD,
          sshAuthorizedKeys: [KEY],
          interfaces: [
            {
              ipv4: {
                case: 'ipv4Static' as const,
                value: { address: '10.10.0.42/24', gateway: '10.10.0.1' },
              },
              ipv6: { case: undefined },
            },
          ],
        },
        guestAgent: true,
      },
    };
    const created = await guests.createGuest(request, as('op', key));
    // The same key and request answer the recorded operation; nothing is created twice.
    const again = await guests.createGuest(request, as('op', key));
    expect(again.operation?.id).toBe(created.operation?.id);
    const guestId = (await succeeded(created.operation)).guestId!;
    const guest = { targetId: 'mem-a', guestId };

    const { config } = await guests.getGuestConfig(guest, as('viewer'));
    expect(config?.cloudInit).toMatchObject({ user: 'ops', hasPassword: true, sshAuthorizedKeys: [KEY] });
    expect(config?.cloudInit?.interfaces[0]?.ipv4).toEqual({
      case: 'ipv4Static',
      value: expect.objectContaining({ address: '10.10.0.42/24', gateway: '10.10.0.1' }),
    });
    expect(config?.nics.map((n) => n.network)).toEqual(['vmbr1']);
    expect(config?.guestAgent).toBe(true);
    const boot = config!.disks.find((d) => d.boot)!;
    expect(boot.sizeBytes).toBe(10n * 1024n ** 3n);

    const stopped = await guests.getGuestAddresses(guest, as('viewer'));
    expect(stopped.sources.host?.status).toBe('unavailable');
    await succeeded((await guests.startGuest(guest, as('op'))).operation);
    const addresses = await guests.getGuestAddresses(guest, as('viewer'));
    expect(addresses.sources.host?.status).toBe('ok');
    expect(addresses.interfaces[0]?.addresses).toContainEqual(
      expect.objectContaining({ address: '10.10.0.42', prefixLength: 24, family: 'ipv4', source: 'host' }),
    );

    await succeeded(
      (await guests.resizeDisk({ ...guest, slot: boot.slot, sizeGib: 32 }, as('op'))).operation,
    );
    expect(await codeOf(guests.resizeDisk({ ...guest, slot: boot.slot, sizeGib: 16 }, as('op')))).toBe(
      Code.InvalidArgument,
    );
    const addedDisk = await succeeded((await guests.addDisk({ ...guest, sizeGib: 4 }, as('op'))).operation);
    expect(addedDisk.resourceId).toMatch(/^[a-z]+\d+$/);
    const addedNic = await succeeded(
      (await guests.addNic({ ...guest, nic: { bridge: '', network: 'vmbr0', vlan: 7 } }, as('op'))).operation,
    );
    let after = (await guests.getGuestConfig(guest, as('viewer'))).config!;
    expect(after.disks.find((d) => d.slot === boot.slot)?.sizeBytes).toBe(32n * 1024n ** 3n);
    expect(after.disks.map((d) => d.slot)).toContain(addedDisk.resourceId);
    expect(after.nics.find((n) => n.slot === addedNic.resourceId)).toMatchObject({
      network: 'vmbr0',
      vlan: 7,
    });

    await succeeded((await guests.removeDisk({ ...guest, slot: addedDisk.resourceId! }, as('op'))).operation);
    await succeeded((await guests.removeNic({ ...guest, slot: addedNic.resourceId! }, as('op'))).operation);
    await succeeded((await guests.stopGuest(guest, as('op'))).operation);
    await succeeded((await guests.convertToTemplate(guest, as('op'))).operation);
    after = (await guests.getGuestConfig(guest, as('viewer'))).config!;
    expect(after.template).toBe(true);
    expect(after.disks.map((d) => d.slot)).not.toContain(addedDisk.resourceId);
    expect(after.nics.map((n) => n.slot)).toEqual([config!.nics[0]!.slot]);

    // The password went to the connector and nowhere else.
    expect(suite.stack.logs.join('\n')).not.toContain(PASSWORD);
    expect(JSON.stringify(await suite.stack.store.audit.list({ limit: 1000 }))).not.toContain(PASSWORD);
    expect(JSON.stringify(toJson(GuestConfigSchema, after))).not.toContain(PASSWORD);
    const actions = (await suite.stack.store.audit.list({ limit: 1000, organizationId: 'acme' }))
      .filter((e) => e.guestId === guestId)
      .map((e) => e.action.replace('hvc.v1.GuestService/', ''));
    expect(actions).toEqual(
      expect.arrayContaining([
        'ConvertToTemplate',
        'ResizeDisk',
        'AddDisk',
        'AddNic',
        'RemoveDisk',
        'RemoveNic',
        'CreateGuest',
      ]),
    );
  });
});
