/**
 * The provisioning RPCs (inventory, guest config and addresses, templates, disk and NIC changes, the new create
 * fields) over real HTTP/2 and HTTP/1.1 with gRPC, gRPC-Web and Connect clients, against memory targets: a viewer
 * cannot write, another organisation's target is NOT_FOUND, bad input is INVALID_ARGUMENT naming the field as the
 * request spells it, a missing capability is UNIMPLEMENTED, and a cloud-init password appears in no answer, log line
 * or audit row.
 */
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { GuestService, GuestType, InventoryService } from '@hvc/client/v1';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorInfoSchema } from '../../src/gen/google/rpc/error_details_pb.js';
import { ERROR_INFO_DOMAIN } from '../../src/wire/error-mapping.js';
import { TRANSPORTS } from '../support/protocol-transports.js';
import { securitySuite } from '../support/security-suite.js';

const PASSWORD = 'Pr0vision-S3cret-!x7';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGr1Y5N1cOl1ZQ4Kx9wJ6mJb7x0aZ8mVZQJ3qv1X0Yw8 ops@example';

const suite = securitySuite(async (stack) => {
  // A target of acme whose connector lists no inventory: the calls must answer UNIMPLEMENTED.
  await stack.store.targets.create({
    id: 'mem-bare',
    organizationId: 'acme',
    displayName: 'bare',
    kind: 'memory',
    config: {
      guests: [{ type: 'vm', name: 'bare-web' }],
      capabilities: { inventory: { storages: false, networks: false, images: false } },
    },
  });
});

/** What a call answered: `ok`, or its code and message. */
async function outcome(call: Promise<unknown>): Promise<{ code: Code | 'ok'; message: string }> {
  try {
    await call;
    return { code: 'ok', message: '' };
  } catch (error) {
    const e = ConnectError.from(error);
    return { code: e.code, message: e.rawMessage };
  }
}

const { as } = suite;

/** A VM spec with every new field, valid. */
function fullSpec(overrides: Record<string, unknown> = {}) {
  return {
    type: GuestType.VM,
    name: 'prov-1',
    nics: [{ bridge: '', network: 'vmbr0' }],
    source: { case: 'image' as const, value: { volumeId: 'local:import/noble.qcow2' } },
    bootDisk: { sizeGib: 20 },
    boot: ['disk'],
    cloudInit: {
      user: 'ops',
      password: PASSWORD,
      sshAuthorizedKeys: [KEY],
      hostname: 'prov-1',
      interfaces: [
        {
          ipv4: { case: 'ipv4Static' as const, value: { address: '10.0.0.5/24', gateway: '10.0.0.1' } },
          ipv6: { case: undefined },
        },
      ],
    },
    guestAgent: true,
    ...overrides,
  };
}

describe('a cloud-init password of the wrong JSON type', () => {
  it('is refused without being repeated', async () => {
    const body = JSON.stringify({
      targetId: 'mem-a',
      spec: { type: 'GUEST_TYPE_VM', name: 'x', cloudInit: { password: 987654321987 } },
    });
    const outcome = await suite.stack.raw.call('connect', '/hvc.v1.GuestService/CreateGuest', {
      ...as('op'),
      body,
    });
    expect(outcome.code).toBe('invalid_argument');
    expect(outcome.text).not.toContain('987654321987');
    expect(suite.stack.logs.join('\n')).not.toContain('987654321987');
  });
});

describe.each(Object.keys(TRANSPORTS))('provisioning RPCs over %s', (name) => {
  let guests: ReturnType<typeof createClient<typeof GuestService>>;
  let inventory: ReturnType<typeof createClient<typeof InventoryService>>;
  beforeAll(() => {
    const transport = TRANSPORTS[name]!(suite.stack.url);
    guests = createClient(GuestService, transport);
    inventory = createClient(InventoryService, transport);
  });

  /** Every new call on `targetId` and `guestId`. */
  const calls = (targetId: string, guestId: string) => {
    const guest = { targetId, guestId };
    return {
      reads: {
        ListStorages: (u: string) => inventory.listStorages({ targetId }, as(u)),
        ListNetworks: (u: string) => inventory.listNetworks({ targetId }, as(u)),
        ListImages: (u: string) => inventory.listImages({ targetId }, as(u)),
        GetGuestConfig: (u: string) => guests.getGuestConfig(guest, as(u)),
        GetGuestAddresses: (u: string) => guests.getGuestAddresses(guest, as(u)),
      },
      writes: {
        CreateGuest: (u: string) => guests.createGuest({ targetId, spec: fullSpec() }, as(u)),
        ConvertToTemplate: (u: string) => guests.convertToTemplate(guest, as(u)),
        ResizeDisk: (u: string) => guests.resizeDisk({ ...guest, slot: 'scsi0', sizeGib: 64 }, as(u)),
        AddDisk: (u: string) => guests.addDisk({ ...guest, sizeGib: 8 }, as(u)),
        RemoveDisk: (u: string) => guests.removeDisk({ ...guest, slot: 'scsi1' }, as(u)),
        AddNic: (u: string) => guests.addNic({ ...guest, nic: { bridge: '', network: 'vmbr0' } }, as(u)),
        RemoveNic: (u: string) => guests.removeNic({ ...guest, slot: 'net1' }, as(u)),
      },
    };
  };

  it('a viewer cannot write: PERMISSION_DENIED, and the target is never reached', async () => {
    const { writes } = calls('mem-a', suite.stack.guests.a);
    for (const [method, call] of Object.entries(writes)) {
      const before = suite.stack.reached();
      const answer = await outcome(call('viewer'));
      expect(answer.code, `${method}: ${answer.message}`).toBe(Code.PermissionDenied);
      // The authorizer is asked (and the RPC logged); no connector is resolved.
      expect(suite.stack.reached() - before, method).toBeLessThanOrEqual(3);
    }
  });

  it("another organisation's target answers NOT_FOUND to every call, reads included", async () => {
    const foreign = calls('mem-b', suite.stack.guests.b);
    for (const [method, call] of Object.entries({ ...foreign.reads, ...foreign.writes })) {
      const answer = await outcome(call('op'));
      expect(answer.code, `${method}: ${answer.message}`).toBe(Code.NotFound);
      expect(answer.message, method).not.toContain('globex');
    }
    const mine = calls('mem-a', suite.stack.guests.a);
    for (const [method, call] of Object.entries({ ...mine.reads, ...mine.writes })) {
      expect((await outcome(call('gadmin'))).code, method).toBe(Code.NotFound);
    }
  });

  it('a target without the capability answers UNIMPLEMENTED to the inventory lists', async () => {
    const { reads } = calls('mem-bare', 'qemu/100');
    for (const method of ['ListStorages', 'ListNetworks', 'ListImages'] as const) {
      const answer = await outcome(reads[method]('viewer'));
      expect(answer.code, `${method}: ${answer.message}`).toBe(Code.Unimplemented);
      expect(answer.message).toMatch(/inventory\.(storages|networks|images)/);
    }
  });

  it('bad input is INVALID_ARGUMENT naming the field as the request spells it', async () => {
    const target = { targetId: 'mem-a' };
    const guest = { targetId: 'mem-a', guestId: suite.stack.guests.a };
    const cloudInit = fullSpec().cloudInit;
    const cases: Array<[string, () => Promise<unknown>]> = [
      [
        'spec.cloud_init.ssh_authorized_keys[0]',
        () =>
          guests.createGuest(
            { ...target, spec: fullSpec({ cloudInit: { ...cloudInit, sshAuthorizedKeys: ['not a key'] } }) },
            as('op'),
          ),
      ],
      [
        'spec.cloud_init.interfaces[0].ipv4_static.address',
        () =>
          guests.createGuest(
            {
              ...target,
              spec: fullSpec({
                cloudInit: {
                  ...cloudInit,
                  interfaces: [
                    {
                      ipv4: { case: 'ipv4Static', value: { address: '10.0.0.5' } },
                      ipv6: { case: undefined },
                    },
                  ],
                },
              }),
            },
            as('op'),
          ),
      ],
      [
        'spec.cloud_init.interfaces[0].ipv4_static.gateway',
        () =>
          guests.createGuest(
            {
              ...target,
              spec: fullSpec({
                cloudInit: {
                  ...cloudInit,
                  interfaces: [
                    {
                      ipv4: { case: 'ipv4Static', value: { address: '10.0.0.5/24', gateway: '10.0.0.300' } },
                      ipv6: { case: undefined },
                    },
                  ],
                },
              }),
            },
            as('op'),
          ),
      ],
      [
        'spec.cloud_init.hostname',
        () =>
          guests.createGuest(
            { ...target, spec: fullSpec({ cloudInit: { ...cloudInit, hostname: 'bad_host!' } }) },
            as('op'),
          ),
      ],
      [
        'spec.image.volume_id',
        () =>
          guests.createGuest(
            {
              ...target,
              spec: fullSpec({ source: { case: 'image', value: { volumeId: '../etc/passwd' } } }),
            },
            as('op'),
          ),
      ],
      [
        'spec.boot[0]',
        () => guests.createGuest({ ...target, spec: fullSpec({ boot: ['floppy'] }) }, as('op')),
      ],
      [
        'spec.nics[0].network',
        () => guests.createGuest({ ...target, spec: fullSpec({ nics: [{ bridge: '' }] }) }, as('op')),
      ],
      ['slot', () => guests.resizeDisk({ ...guest, slot: 'SCSI0;rm', sizeGib: 64 }, as('op'))],
      ['size_gib', () => guests.resizeDisk({ ...guest, slot: 'scsi0', sizeGib: -1 }, as('op'))],
      ['size_gib', () => guests.addDisk({ ...guest, sizeGib: 0 }, as('op'))],
      ['slot', () => guests.removeDisk({ ...guest, slot: '' }, as('op'))],
      ['nic.network', () => guests.addNic({ ...guest, nic: { bridge: '' } }, as('op'))],
      ['slot', () => guests.addNic({ ...guest, nic: { bridge: 'vmbr0' }, slot: 'net 1' }, as('op'))],
      ['slot', () => guests.removeNic({ ...guest, slot: '../net0' }, as('op'))],
      ['sources[0]', () => guests.getGuestAddresses({ ...guest, sources: ['magic'] }, as('op'))],
      ['content_kinds[0]', () => inventory.listStorages({ ...target, contentKinds: ['bogus'] }, as('op'))],
      ['kinds[0]', () => inventory.listImages({ ...target, kinds: ['floppy'] }, as('op'))],
      ['page_size', () => inventory.listNetworks({ ...target, pageSize: 5000 }, as('op'))],
      ['page_token', () => inventory.listNetworks({ ...target, pageToken: 'b2s.deadbeef' }, as('op'))],
    ];
    for (const [field, call] of cases) {
      const answer = await outcome(call());
      expect(answer.code, `${field}: ${answer.message}`).toBe(Code.InvalidArgument);
      expect(answer.message, field).toContain(field);
      expect(answer.message).not.toContain(PASSWORD);
    }
  });

  it('a CONFLICT carries its reason as a google.rpc.ErrorInfo', async () => {
    const iso = 'local:iso/debian-12.7.0-amd64-netinst.iso';
    try {
      await guests.createGuest(
        { targetId: 'mem-a', spec: fullSpec({ source: { case: 'image', value: { volumeId: iso } } }) },
        as('op'),
      );
      expect.unreachable('an ISO is no disk image');
    } catch (error) {
      const e = ConnectError.from(error);
      expect(e.code, e.rawMessage).toBe(Code.FailedPrecondition);
      const [info, ...more] = e.findDetails(ErrorInfoSchema);
      expect(more).toEqual([]);
      expect(info).toMatchObject({ reason: 'IMAGE_KIND', domain: ERROR_INFO_DOMAIN });
      expect(e.rawMessage).not.toContain(PASSWORD);
    }
  });

  it('a cloud-init password appears in no answer, log line or audit row', async () => {
    const answers = [
      await outcome(guests.createGuest({ targetId: 'mem-a', spec: fullSpec() }, as('op'))),
      await outcome(
        guests.createGuest(
          { targetId: 'mem-a', spec: fullSpec({ cloudInit: { ...fullSpec().cloudInit, hostname: '-x' } }) },
          as('op'),
        ),
      ),
      await outcome(guests.createGuest({ targetId: 'mem-a', spec: fullSpec() }, as('viewer'))),
    ];
    expect(answers[1]!.code).toBe(Code.InvalidArgument);
    expect(answers[2]!.code).toBe(Code.PermissionDenied);
    for (const answer of answers) expect(answer.message).not.toContain(PASSWORD);
    expect(suite.stack.logs.join('\n')).not.toContain(PASSWORD);
    expect(suite.stack.responses.join('\n')).not.toContain(PASSWORD);
    const audit = await suite.stack.store.audit.list({ limit: 1000 });
    expect(audit.some((e) => e.action === 'hvc.v1.GuestService/CreateGuest')).toBe(true);
    expect(JSON.stringify(audit)).not.toContain(PASSWORD);
  });

  it('writes are audited with their target and guest; reads are not', async () => {
    const { reads, writes } = calls('mem-a', suite.stack.guests.a);
    for (const [method, call] of Object.entries(writes)) {
      await outcome(call('op'));
      const [last] = await suite.stack.store.audit.list({ limit: 1, organizationId: 'acme' });
      expect(last?.action, method).toBe(`hvc.v1.GuestService/${method}`);
      expect(last?.targetId, method).toBe('mem-a');
      if (method !== 'CreateGuest') expect(last?.guestId, method).toBe(suite.stack.guests.a);
    }
    const before = (await suite.stack.store.audit.list({ limit: 1000 })).length;
    for (const call of Object.values(reads)) await outcome(call('op'));
    expect((await suite.stack.store.audit.list({ limit: 1000 })).length).toBe(before);
  });
});
