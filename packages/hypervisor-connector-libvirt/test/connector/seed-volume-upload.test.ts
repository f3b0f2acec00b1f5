import { randomBytes } from 'node:crypto';
import { CloudInitSpecSchema } from '@hvc/hypervisor-connector';
import { buildNoCloudSeedFiles, buildNoCloudSeedImage } from '@hvc/hypervisor-connector-kit/cloud-init';
import { afterAll, describe, expect, test } from 'vitest';
import { lookupPool } from '../../src/guests/storage-volumes.js';
import { uploadNewVolume } from '../../src/guests/volume-upload.js';
import { DomainEventHub } from '../../src/hosts/domain-event-hub.js';
import { LibvirtHost } from '../../src/hosts/libvirt-host.js';
import { RemoteProcedure as P } from '../../src/protocol/generated/remote-protocol.gen.js';
import { injectLab } from '../lab/provided-lab.js';
import { cidataFiles, waitForSerialMarker } from '../lab/serial-log.js';
import { defineTinyGuest, deleteTinyGuest, refreshPools } from '../lab/tiny-guests.js';
import { virsh } from '../lab/virsh.js';

const lab = injectLab();
const [one] = lab.hosts;
if (one === undefined) throw new Error('the lab has no host');
const host = new LibvirtHost(
  0,
  { uri: one.unixUri },
  { connectTimeoutMs: 10_000, keepalive: false, readOnly: false, events: new DomainEventHub() },
);
afterAll(() => host.close());

describe('uploadNewVolume', () => {
  test('puts a NoCloud seed into the pool, and the tiny guest booted with it as its CD-ROM prints its files', async () => {
    const name = `seed-${randomBytes(3).toString('hex')}`;
    const input = {
      cloudInit: CloudInitSpecSchema.parse({
        user: 'deploy',
        password: 'not printed in clear',
        sshAuthorizedKeys: [
          'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0oJOOhSk75mO+9yNMZQ5I1B37753XF6mwgoW6d2Xtl me@host',
        ],
        hostname: 'tiny-seeded',
        interfaces: [{ ipv4: { address: '10.0.0.5/24', gateway: '10.0.0.1' } }],
        dns: { nameservers: ['10.0.0.1'] },
      }),
      guestName: name,
      nics: [{ macAddress: '52:54:00:12:34:56' }],
      passwordSalt: 'labsalt',
      passwordRounds: 1000,
      recordedAt: new Date('2026-01-01T00:00:00Z'),
    };
    const image = buildNoCloudSeedImage(input);
    const pool = await lookupPool(host, lab.pool.name);
    const volume = await uploadNewVolume(host, pool, `${name}-cidata.iso`, image);
    let guestDefined = false;
    try {
      expect(volume.path).toBe(`${lab.pool.path}/${name}-cidata.iso`);
      expect(await virsh(one.unixUri, ['vol-info', '--bytes', volume.path])).toMatch(
        new RegExp(`Capacity:\\s+${image.length} bytes`),
      );
      await refreshPools(lab);
      const guest = await defineTinyGuest(lab, one, name, { cdromPath: volume.path });
      guestDefined = true;
      await virsh(one.unixUri, ['start', name]);
      const log = await waitForSerialMarker(guest.serialLogPath, 'HVC-LAB ready', 45_000);
      const files = buildNoCloudSeedFiles(input);
      expect(Object.fromEntries(cidataFiles(log))).toEqual(files);
      expect(files['user-data']).toContain('"hostname": "tiny-seeded"');
      expect(log).not.toContain('not printed in clear');
    } finally {
      if (guestDefined) await deleteTinyGuest(lab, one, name);
      await virsh(one.unixUri, ['vol-delete', volume.path]).catch(() => undefined);
    }
  });

  test('deletes the volume again when the upload fails after the volume was made', async () => {
    const controller = new AbortController();
    // The same host, but the call that ends the volume's creation (its path lookup) aborts the upload to come.
    const aborting = new (class extends LibvirtHost {
      override async call<Q extends Parameters<LibvirtHost['call']>[0]>(
        procedure: Q,
        ...rest: [Parameters<LibvirtHost['call']>[1], AbortSignal?]
      ) {
        const reply = await super.call(procedure, rest[0] as never);
        if (procedure === P.REMOTE_PROC_STORAGE_VOL_GET_PATH) controller.abort();
        return reply;
      }
    })(
      0,
      { uri: one.unixUri },
      { connectTimeoutMs: 10_000, keepalive: false, readOnly: false, events: new DomainEventHub() },
    );
    try {
      const pool = await lookupPool(aborting, lab.pool.name);
      const name = `seed-${randomBytes(3).toString('hex')}-aborted.iso`;
      await expect(
        uploadNewVolume(aborting, pool, name, new Uint8Array(64 * 1024), controller.signal),
      ).rejects.toThrow();
      expect(controller.signal.aborted).toBe(true);
      expect(await virsh(one.unixUri, ['vol-list', lab.pool.name])).not.toContain(name);
    } finally {
      await aborting.close();
    }
  });
});
