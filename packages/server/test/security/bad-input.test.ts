/**
 * Bad input on every RPC: missing, wrong-typed, out-of-range and hostile fields (path traversal, huge strings,
 * unknown fields, prototype-pollution keys, CR/LF) answer INVALID_ARGUMENT naming the field, change nothing and
 * send nothing to Proxmox (the target is the PVE fake, whose request log must not grow).
 */
import type { PveFake } from '@hvc/pve-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HvcStore } from '../../src/storage/hvc-store.js';
import { type PveApiStack, startPveApiStack } from '../support/pve-api-stack.js';
import { createRawClient, PROTOCOLS, type RawCall, type RawClient } from './support/raw-call.js';

let stack: PveApiStack;
let fake: PveFake;
let store: HvcStore;
let raw: RawClient;
let auth: PveApiStack['headers'];

beforeAll(async () => {
  stack = await startPveApiStack({
    audience: 'urn:hvc:input',
    fake: { guests: [{ type: 'qemu', vmid: 100, name: 'web-1', snapshots: ['before'] }] },
  });
  ({ fake, store, headers: auth } = stack);
  raw = createRawClient(stack.url);
  // One good call first, so the connector exists and later requests are all the bad calls' own.
  expect(
    (
      await raw.call('connect', '/hvc.v1.GuestService/GetGuest', {
        headers: auth,
        message: { targetId: 'pve', guestId: 'qemu/100' },
      })
    ).code,
  ).toBe('ok');
}, 30_000);

afterAll(async () => {
  raw?.close();
  await stack?.close();
});

const GUEST = { targetId: 'pve', guestId: 'qemu/100' };
const HUGE = 'x'.repeat(20_000);
const CRLF = 'qemu/100\r\nX-Injected: 1';
/** Hostile values of a guest id. */
const BAD_GUEST_IDS = [
  '',
  '../../access/users',
  'qemu/100/../../../x',
  'qemu%2F..%2F..',
  CRLF,
  `qemu/${HUGE}`,
  'qemu/abc',
  'qemu/-1',
  'qemu/99999999999',
  'qemu/100\u0000',
];
/** Hostile values of a target id. */
const BAD_TARGET_IDS = ['', '../pve', 'PVE', 'pve/../x', 'https://evil.example', 'pve\r\nX: 1', `p${HUGE}`];

/** Every method that takes a guest, with a valid rest of the message. */
const GUEST_METHODS: Array<[string, Record<string, unknown>]> = [
  ['/hvc.v1.GuestService/GetGuest', {}],
  ['/hvc.v1.GuestService/DeleteGuest', {}],
  ['/hvc.v1.GuestService/StartGuest', {}],
  ['/hvc.v1.GuestService/StopGuest', {}],
  ['/hvc.v1.GuestService/ShutdownGuest', {}],
  ['/hvc.v1.GuestService/RebootGuest', {}],
  ['/hvc.v1.GuestService/ResetGuest', {}],
  ['/hvc.v1.GuestService/SuspendGuest', {}],
  ['/hvc.v1.GuestService/ResumeGuest', {}],
  ['/hvc.v1.GuestService/MigrateGuest', { targetNode: 'pve2' }],
  ['/hvc.v1.GuestService/CloneGuest', { name: 'copy' }],
  ['/hvc.v1.GuestService/UpdateGuest', { cpus: 2 }],
  ['/hvc.v1.SnapshotService/ListSnapshots', {}],
  ['/hvc.v1.SnapshotService/CreateSnapshot', { name: 'snap1' }],
  ['/hvc.v1.SnapshotService/RollbackSnapshot', { name: 'before' }],
  ['/hvc.v1.SnapshotService/DeleteSnapshot', { name: 'before' }],
];

/** Field-level cases: method, message, the field the answer must name. */
const FIELD_CASES: Array<[string, Record<string, unknown>, string]> = [
  ['/hvc.v1.GuestService/ListGuests', { targetId: 'pve', pageSize: -1 }, 'page_size'],
  ['/hvc.v1.GuestService/ListGuests', { targetId: 'pve', pageSize: 1_000_000 }, 'page_size'],
  ['/hvc.v1.GuestService/ListGuests', { targetId: 'pve', pageToken: '../../etc/passwd' }, 'page_token'],
  ['/hvc.v1.GuestService/ListGuests', { targetId: 'pve', pageToken: HUGE }, 'page_token'],
  ['/hvc.v1.SnapshotService/CreateSnapshot', { ...GUEST, name: '' }, 'name'],
  ['/hvc.v1.SnapshotService/CreateSnapshot', { ...GUEST, name: '../../x' }, 'name'],
  ['/hvc.v1.SnapshotService/CreateSnapshot', { ...GUEST, name: 'a\r\nb' }, 'name'],
  ['/hvc.v1.SnapshotService/CreateSnapshot', { ...GUEST, name: HUGE }, 'name'],
  ['/hvc.v1.SnapshotService/RollbackSnapshot', { ...GUEST, name: '..' }, 'name'],
  ['/hvc.v1.GuestService/MigrateGuest', { ...GUEST, targetNode: '' }, 'node'],
  ['/hvc.v1.GuestService/MigrateGuest', { ...GUEST, targetNode: '../pve2' }, 'node'],
  ['/hvc.v1.GuestService/CloneGuest', { ...GUEST, name: 'bad name\r\n' }, 'name'],
  ['/hvc.v1.GuestService/UpdateGuest', { ...GUEST, cpus: 0 }, 'cpus'],
  ['/hvc.v1.GuestService/UpdateGuest', { ...GUEST, memoryMib: 1 }, 'memory'],
  ['/hvc.v1.GuestService/UpdateGuest', { ...GUEST, name: HUGE }, 'name'],
  ['/hvc.v1.GuestService/CreateGuest', { targetId: 'pve', spec: { type: 'GUEST_TYPE_VM' } }, 'name'],
  [
    '/hvc.v1.GuestService/CreateGuest',
    { targetId: 'pve', spec: { type: 'GUEST_TYPE_VM', name: 'a', cpus: 100_000 } },
    'cpus',
  ],
  [
    '/hvc.v1.GuestService/CreateGuest',
    { targetId: 'pve', spec: { type: 'GUEST_TYPE_VM', name: 'a', disks: [{ sizeGib: -1 }] } },
    'disks',
  ],
  [
    '/hvc.v1.GuestService/CreateGuest',
    { targetId: 'pve', spec: { type: 'GUEST_TYPE_VM', name: 'a', nics: [{ bridge: 'vmbr0', vlan: 5000 }] } },
    'nics',
  ],
  [
    '/hvc.v1.GuestService/CreateGuest',
    { targetId: 'pve', spec: { type: 'GUEST_TYPE_VM', name: 'a\r\nb' } },
    'name',
  ],
  ['/hvc.v1.GuestService/CreateGuest', { targetId: 'pve', spec: { name: 'a' } }, 'type'],
  ['/hvc.v1.OperationService/GetOperation', { targetId: 'pve', operationId: '' }, 'operation_id'],
  ['/hvc.v1.OperationService/GetOperation', { targetId: 'pve', operationId: '../../x' }, 'operation_id'],
  ['/hvc.v1.OperationService/CancelOperation', { targetId: 'pve', operationId: HUGE }, 'operation_id'],
  ['/hvc.v1.TargetService/CreateTarget', { targetId: 'Bad Id', kind: 'memory' }, 'target_id'],
  ['/hvc.v1.TargetService/CreateTarget', { targetId: 'new-one', kind: '../evil' }, 'kind'],
  ['/hvc.v1.TargetService/CreateTarget', { targetId: 'new-one', kind: '' }, 'kind'],
  [
    '/hvc.v1.TargetService/CreateTarget',
    { targetId: 'new-one', kind: 'memory', displayName: HUGE },
    'display_name',
  ],
  ['/hvc.v1.TargetService/UpdateTarget', { targetId: 'pve', displayName: 'a\r\nb' }, 'display_name'],
  [
    '/hvc.v1.MemberService/InviteMember',
    { organizationId: 'acme', issuer: 'not a url', subject: 's', role: 'ROLE_VIEWER' },
    'issuer',
  ],
  [
    '/hvc.v1.MemberService/InviteMember',
    { organizationId: 'acme', issuer: 'https://idp.example', subject: '', role: 'ROLE_VIEWER' },
    'subject',
  ],
  [
    '/hvc.v1.MemberService/InviteMember',
    { organizationId: 'acme', issuer: 'https://idp.example', subject: 's' },
    'role',
  ],
  [
    '/hvc.v1.MemberService/UpdateMemberRole',
    { organizationId: 'acme', userId: 'u', role: 'ROLE_UNSPECIFIED' },
    'role',
  ],
  ['/hvc.v1.MemberService/ListMembers', { organizationId: '../acme' }, 'organization_id'],
  ['/hvc.v1.TargetService/ListTargets', { organizationId: 'ACME\r\n' }, 'organization_id'],
];

/** JSON bodies the decoder must refuse: wrong types, unknown fields, prototype keys. */
const JSON_CASES: Array<[string, string, string]> = [
  ['/hvc.v1.GuestService/GetGuest', '{"targetId":"pve","guestId":100}', 'guest_id'],
  ['/hvc.v1.GuestService/GetGuest', '{"targetId":["pve"],"guestId":"qemu/100"}', 'target_id'],
  ['/hvc.v1.GuestService/ListGuests', '{"targetId":"pve","pageSize":"ten"}', 'page_size'],
  ['/hvc.v1.GuestService/ListGuests', '{"targetId":"pve","pageSize":1e20}', 'page_size'],
  ['/hvc.v1.GuestService/UpdateGuest', '{"targetId":"pve","guestId":"qemu/100","cpus":-4}', 'cpus'],
  ['/hvc.v1.GuestService/StartGuest', '{"targetId":"pve","guestId":"qemu/100","force":true}', 'force'],
  [
    '/hvc.v1.GuestService/StartGuest',
    '{"targetId":"pve","guestId":"qemu/100","__proto__":{"admin":true}}',
    '__proto__',
  ],
  [
    '/hvc.v1.GuestService/StartGuest',
    '{"targetId":"pve","guestId":"qemu/100","constructor":{"prototype":{"admin":true}}}',
    'constructor',
  ],
  [
    '/hvc.v1.GuestService/CreateGuest',
    '{"targetId":"pve","spec":{"type":"GUEST_TYPE_VM","name":"a","cpus":"many"}}',
    'cpus',
  ],
  // An unknown enum value: the decoder names the enum type.
  [
    '/hvc.v1.GuestService/CreateGuest',
    '{"targetId":"pve","spec":{"type":"GUEST_TYPE_BOGUS","name":"a"}}',
    'GuestType',
  ],
  [
    '/hvc.v1.MemberService/UpdateMemberRole',
    '{"organizationId":"acme","userId":"u","role":"ROLE_GOD"}',
    'Role',
  ],
];

/** Runs one bad call: INVALID_ARGUMENT naming `field`, no request to Proxmox, no target changed. */
async function refuses(
  protocol: (typeof PROTOCOLS)[number],
  path: string,
  body: Pick<RawCall, 'message' | 'body'>,
  field: string,
) {
  const requests = fake.requests.length;
  const targets = JSON.stringify(await store.targets.listForOrganizations(['acme']));
  const outcome = await raw.call(protocol, path, { headers: auth, ...body });
  const label = `${protocol} ${path} ${JSON.stringify(body).slice(0, 200)} → ${outcome.code} ${outcome.text.slice(0, 300)}`;
  expect(outcome.code, label).toBe('invalid_argument');
  const camel = field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  expect(outcome.text.includes(field) || outcome.text.includes(camel), `${label}: names ${field}`).toBe(true);
  expect(fake.requests.length, `${label}: reached Proxmox`).toBe(requests);
  expect(JSON.stringify(await store.targets.listForOrganizations(['acme'])), label).toBe(targets);
  expect(outcome.text).not.toContain('\r\n');
}

describe.each(PROTOCOLS)('bad input over %s', (protocol) => {
  it('every guest method refuses hostile guest ids and target ids', async () => {
    for (const [path, rest] of GUEST_METHODS) {
      for (const guestId of BAD_GUEST_IDS)
        await refuses(
          protocol,
          path,
          { message: { ...rest, targetId: 'pve', guestId } as RawCall['message'] },
          'guest_id',
        );
      for (const targetId of BAD_TARGET_IDS)
        await refuses(
          protocol,
          path,
          { message: { ...rest, targetId, guestId: 'qemu/100' } as RawCall['message'] },
          'target_id',
        );
    }
  });

  it('missing, out-of-range and hostile fields are named', async () => {
    for (const [path, message, field] of FIELD_CASES)
      await refuses(protocol, path, { message: message as RawCall['message'] }, field);
  });
});

describe('bad JSON over Connect', () => {
  it('wrong types, unknown fields and prototype keys are refused by name', async () => {
    for (const [path, body, field] of JSON_CASES) await refuses('connect', path, { body }, field);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});
