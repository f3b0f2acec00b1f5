import { type GuestConfig, hasCapability } from '@hvc/hypervisor-connector';
import { expect } from 'vitest';
import type { CaseContext } from '../case-context.js';
import type { ConformanceCase } from '../conformance-case.js';
import { fail } from '../expect-error.js';
import {
  expectKitCloudInit,
  expectNoPassword,
  findImage,
  findTemplate,
  GIB,
  kitCloudInit,
  type VmSpecInput,
  vmSpecFor,
} from '../provisioning-support.js';

/** Creates `spec`, waits, and returns the new guest's config after checking it is a stopped, plain guest. */
async function createAndRead(ctx: CaseContext, spec: VmSpecInput): Promise<GuestConfig> {
  const operation = await ctx.connector.createGuest(spec);
  if (operation.guestId === undefined) fail('the create operation has no guestId');
  ctx.track(operation.guestId);
  await ctx.wait(operation);
  const guest = await ctx.connector.getGuest(operation.guestId);
  expect(guest.name).toBe(spec.name);
  expect(guest.template).toBe(false);
  expectNoPassword(guest, 'getGuest()');
  const config = await ctx.connector.getGuestConfig(operation.guestId);
  expect(config.guestId).toBe(operation.guestId);
  return config;
}

/** Cloud-init for the spec when the connector has it, else none; how many NICs it configures. */
async function withCloudInit(
  ctx: CaseContext,
  spec: VmSpecInput,
): Promise<{ spec: VmSpecInput; nics: number }> {
  if (!hasCapability(await ctx.capabilities(), 'cloudInit.config', 'vm')) return { spec, nics: 0 };
  const nics = spec.nics?.length ?? 0;
  return { spec: { ...spec, cloudInit: kitCloudInit(nics) }, nics };
}

/** VMs made from an image, a template or an ISO, read back with getGuestConfig. */
export const guestSourceCases: readonly ConformanceCase[] = [
  {
    id: 'sources.image',
    title:
      'createGuest() from a disk image makes its boot disk, at least as large as asked, with cloud-init read back without the password',
    needs: ['vmSpec'],
    async run(ctx) {
      await ctx.requireCapability('sources.image');
      await ctx.requireCapability('guestConfig');
      const image = await findImage(ctx, 'disk-image');
      // A listing's size of a qcow2 is its file's; only a reported virtual size says how large the disk is, so only
      // then is the boot disk asked to grow past it.
      const imageGiB =
        image.virtualSizeBytes === undefined ? undefined : Math.ceil(image.virtualSizeBytes / GIB);
      const base: VmSpecInput = {
        ...vmSpecFor(ctx, 'image', image.node),
        source: { kind: 'image', volumeId: image.id },
        ...(imageGiB === undefined ? {} : { bootDisk: { sizeGiB: imageGiB + 1 } }),
      };
      const { spec, nics } = await withCloudInit(ctx, base);
      const config = await createAndRead(ctx, spec);
      const boot = config.disks.find((d) => d.boot) ?? config.disks[0];
      if (boot === undefined) fail('a VM made from an image has no disk');
      if (imageGiB !== undefined) {
        expect(boot.sizeBytes, 'the boot disk is grown to bootDisk.sizeGiB').toBeGreaterThanOrEqual(
          (imageGiB + 1) * GIB,
        );
      }
      expect(config.disks.length, 'the spec’s disks come after the image’s').toBe(
        1 + (spec.disks?.length ?? 0),
      );
      if (spec.cloudInit !== undefined) expectKitCloudInit(config, nics, 'a VM made from an image');
    },
  },
  {
    id: 'sources.template',
    title:
      "createGuest() from a template clones its disks, grows the boot disk as asked, keeps the cloud-init settings, and keeps the template's CPUs and memory where the spec names none",
    needs: ['vmSpec'],
    async run(ctx) {
      await ctx.requireCapability('sources.template');
      await ctx.requireCapability('guestConfig');
      const templateId = await findTemplate(ctx);
      const template = await ctx.connector.getGuestConfig(templateId);
      const templateBoot = template.disks.find((d) => d.boot) ?? template.disks[0];
      const sizeGiB = Math.ceil((templateBoot?.sizeBytes ?? GIB) / GIB) + 1;
      const { cpus: _cpus, memoryMiB: _memoryMiB, ...unsized } = vmSpecFor(ctx, 'template');
      const base: VmSpecInput = {
        ...unsized,
        source: { kind: 'template', guestId: templateId },
        ...(templateBoot === undefined ? {} : { bootDisk: { sizeGiB } }),
      };
      const { spec, nics } = await withCloudInit(ctx, base);
      const config = await createAndRead(ctx, spec);
      expect(config.disks.length, 'the template’s disks, then the spec’s').toBe(
        template.disks.length + (spec.disks?.length ?? 0),
      );
      if (templateBoot !== undefined) {
        const boot = config.disks.find((d) => d.slot === templateBoot.slot);
        expect(boot?.sizeBytes, 'the boot disk is grown to bootDisk.sizeGiB').toBeGreaterThanOrEqual(
          sizeGiB * GIB,
        );
      }
      expect(
        { cpus: config.cpus, memoryMiB: config.memoryMiB },
        'a spec naming no size keeps the template’s, not the defaults',
      ).toEqual({ cpus: template.cpus, memoryMiB: template.memoryMiB });
      if (spec.cloudInit !== undefined) expectKitCloudInit(config, nics, 'a VM made from a template');
      const after = await ctx.connector.getGuestConfig(templateId);
      expect(after.disks, 'the template is left as it was').toEqual(template.disks);
      expect(after.template).toBe(true);
    },
  },
  {
    id: 'sources.iso',
    title: 'createGuest() from an ISO attaches it as a CD-ROM and boots from it first',
    needs: ['vmSpec'],
    async run(ctx) {
      await ctx.requireCapability('sources.iso');
      await ctx.requireCapability('guestConfig');
      const iso = await findImage(ctx, 'iso');
      const spec: VmSpecInput = {
        ...vmSpecFor(ctx, 'iso', iso.node),
        source: { kind: 'iso', volumeId: iso.id },
        disks: [{ sizeGiB: 1 }],
      };
      const config = await createAndRead(ctx, spec);
      const cdrom = config.cdroms.find((c) => c.volumeId === iso.id);
      if (cdrom === undefined) fail(`no CD-ROM holds ${iso.id}: ${JSON.stringify(config.cdroms)}`);
      expect(cdrom.cloudInit).toBe(false);
      expect(config.boot?.[0], 'an ISO source boots from the CD-ROM first').toBe('cdrom');
      expect(config.disks.length).toBe(1);
    },
  },
];
