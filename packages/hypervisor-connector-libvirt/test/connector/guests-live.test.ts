// Guests on the shared lab, compared with what virsh says: templates and linked clones, snapshots with memory,
// states and reasons, errors, and both consoles.

import type { Duplex } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { HVC_METADATA_URI } from '../../src/domains/hvc-metadata.js';
import { injectLab } from '../lab/provided-lab.js';
import { defineTinyGuest, deleteTinyGuest } from '../lab/tiny-guests.js';
import { virsh } from '../lab/virsh.js';
import { tinyVmSpec } from './support/lab-target.js';
import { LiveGuests, uniqueName, vncSecurityTypes } from './support/live-guests.js';

const lab = injectLab();
const [one, two] = lab.hosts as [(typeof lab.hosts)[0], (typeof lab.hosts)[0]];
const live = new LiveGuests(lab);

afterAll(() => live.dispose(), 120_000);

describe('templates', () => {
  it('are marked in hvc’s metadata, never started, and linked-cloned onto a qcow2 overlay of their disk', async () => {
    const connector = live.connect();
    const guest = await live.createTinyGuest(connector, { node: one.name });
    await connector.updateGuest(guest.id, { providerOptions: { libvirt: { template: true } } });
    expect((await connector.getGuest(guest.id)).template).toBe(true);
    const metadata = await virsh(one.unixUri, ['metadata', guest.name, '--uri', HVC_METADATA_URI]);
    expect(metadata).toMatch(/<template\/>/);
    await expect(connector.startGuest(guest.id)).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { reason: 'template' },
    });
    expect((await virsh(one.unixUri, ['domstate', guest.name])).trim()).toBe('shut off');

    const clone = await connector.cloneGuest(guest.id, { mode: 'linked', name: uniqueName('linked') });
    live.track(clone.guestId!);
    await connector.waitForOperation(clone.id, { timeoutMs: 30_000 });
    const cloned = await connector.getGuest(clone.guestId!);
    expect(cloned).toMatchObject({ template: false, node: one.name });
    const templateDisk = ((await connector.getGuest(guest.id)).raw.disks as { path: string }[])[0]!.path;
    const cloneDisk = (cloned.raw.disks as { path: string }[])[0]!.path;
    expect(cloneDisk).not.toBe(templateDisk);
    const volume = await virsh(one.unixUri, ['vol-dumpxml', cloneDisk]);
    expect(volume).toContain(`<path>${templateDisk}</path>`);
    expect(volume).toMatch(/<format type='qcow2'\/>/);

    await connector.updateGuest(guest.id, { providerOptions: { libvirt: { template: false } } });
    expect((await connector.getGuest(guest.id)).template).toBe(false);
    await expect(
      connector.updateGuest(guest.id, { providerOptions: { libvirt: { colour: 'red' } } }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { violations: [{ field: 'providerOptions.libvirt.colour' }] },
    });
  });
});

describe('snapshots with memory', () => {
  it('are taken of a running guest, revert it to running, and keep it from migrating', async () => {
    const connector = live.connect();
    const guest = await live.createTinyGuest(connector, { node: one.name, start: true });
    const taken = await connector.createSnapshot(guest.id, { name: 'live', includeMemory: true });
    await connector.waitForOperation(taken.id, { timeoutMs: 30_000 });
    const [snapshot] = await connector.listSnapshots(guest.id);
    expect(snapshot).toMatchObject({ name: 'live', includesMemory: true, raw: { state: 'running' } });
    expect(await virsh(one.unixUri, ['snapshot-info', guest.name, 'live'])).toMatch(/State:\s+running/);

    await expect(connector.migrateGuest(guest.id, { targetNode: two.name })).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { reason: 'snapshots' },
    });
    await connector.waitForOperation((await connector.stopGuest(guest.id)).id, { timeoutMs: 30_000 });
    await connector.waitForOperation((await connector.rollbackSnapshot(guest.id, 'live')).id, {
      timeoutMs: 30_000,
    });
    expect(await connector.getGuest(guest.id)).toMatchObject({
      state: 'running',
      raw: { state: 'running', reason: 'from-snapshot' },
    });
    expect((await virsh(one.unixUri, ['domstate', '--reason', guest.name])).trim()).toBe(
      'running (from snapshot)',
    );
  });
});

describe('states and errors, as virsh sees them', () => {
  it('maps a paused guest, and refuses wrong states, names and options before anything changes', async () => {
    const connector = live.connect();
    const guest = await live.createTinyGuest(connector, { node: one.name, start: true });
    await connector.waitForOperation((await connector.suspendGuest(guest.id)).id, { timeoutMs: 30_000 });
    expect((await virsh(one.unixUri, ['domstate', '--reason', guest.name])).trim()).toBe('paused (user)');
    expect(await connector.getGuest(guest.id)).toMatchObject({
      state: 'paused',
      raw: { state: 'paused', reason: 'user' },
    });
    await expect(connector.shutdownGuest(guest.id)).rejects.toMatchObject({
      code: 'CONFLICT',
      retryable: false,
    });
    await expect(connector.startGuest(guest.id)).rejects.toMatchObject({ code: 'CONFLICT' });

    // Names are unique across the target: a guest on the other host blocks the name.
    const spec = tinyVmSpec(lab, guest.name);
    await expect(connector.createGuest({ ...spec, node: two.name })).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
      details: { node: one.name },
    });
    await expect(
      connector.createGuest({ ...spec, name: uniqueName('x'), node: 'no-such-node' }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(
      connector.createGuest({ ...spec, name: uniqueName('x'), nics: [{ bridge: 'br0', vlan: 10 }] }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { violations: [{ field: 'nics.0.vlan' }] },
    });
    await expect(
      connector.createGuest({
        ...spec,
        name: uniqueName('x'),
        providerOptions: { libvirt: { kernel: 'relative' } },
      }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { violations: [{ field: 'providerOptions.libvirt.kernel' }] },
    });
    expect((await virsh(two.unixUri, ['list', '--all', '--name'])).includes(guest.name)).toBe(false);
  });
});

/** Reads `stream` until `marker` has come by. */
function readUntil(stream: Duplex, marker: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(
      () => reject(new Error(`no "${marker}" on the console within ${timeoutMs} ms:\n${text}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!text.includes(marker)) return;
      clearTimeout(timer);
      stream.off('data', onData);
      resolve(text);
    };
    stream.on('data', onData);
  });
}

describe('consoles', () => {
  it('give a VNC ticket whose one-time password the running VNC server demands', async () => {
    const connector = live.connect();
    const guest = await live.createTinyGuest(connector, { node: one.name, start: true });
    const ticket = await connector.openConsole(guest.id, { protocol: 'vnc' });
    expect(ticket).toMatchObject({
      protocol: 'vnc',
      node: one.name,
      raw: { authentication: 'vnc-password' },
    });
    expect(ticket.password).toBe(ticket.ticket);
    expect(Date.parse(ticket.expiresAt!)).toBeGreaterThan(Date.now());
    const display = await virsh(one.unixUri, ['domdisplay', '--include-password', guest.name]);
    expect(display.trim()).toBe(`vnc://:${ticket.password}@127.0.0.1:${ticket.port! - 5900}`);
    expect(await vncSecurityTypes('127.0.0.1', ticket.port!)).toEqual([2]);
    expect(ticket.websocketUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
  });

  it('refuse a VNC server without a password unless the target allows it (the lab’s own guests have none)', async () => {
    const name = uniqueName('novncpw');
    const tiny = await defineTinyGuest(lab, one, name);
    try {
      await virsh(one.unixUri, ['start', name]);
      await expect(live.connect().openConsole(tiny.uuid, { protocol: 'vnc' })).rejects.toMatchObject({
        code: 'CONFLICT',
        details: { reason: 'vnc-without-password' },
      });
      const open = await live
        .connect({ console: { vncWithoutPassword: 'allow' } })
        .openConsole(tiny.uuid, { protocol: 'vnc' });
      expect(open.password).toBeUndefined();
      expect(open.raw).toMatchObject({ authentication: 'none' });
      expect(await vncSecurityTypes('127.0.0.1', open.port!)).toEqual([1]);
    } finally {
      await deleteTinyGuest(lab, one, name);
    }
  });

  it('give a terminal ticket that attachTerminal turns into the serial console, once', async () => {
    const connector = live.connect();
    const guest = await live.createTinyGuest(connector, { node: two.name, start: true });
    const ticket = await connector.openConsole(guest.id, { protocol: 'terminal' });
    expect(ticket).toMatchObject({
      protocol: 'terminal',
      node: two.name,
      raw: { transport: 'libvirt-stream' },
    });
    expect(JSON.stringify(ticket.raw)).not.toContain(ticket.ticket);
    const stream = await connector.attachTerminal(ticket.ticket);
    try {
      await readUntil(stream, 'HVC-LAB ready', 45_000);
      stream.write('echo hvc-terminal-$((6*7))\n');
      await readUntil(stream, 'hvc-terminal-42', 10_000);
    } finally {
      stream.destroy();
    }
    await expect(connector.attachTerminal(ticket.ticket)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
