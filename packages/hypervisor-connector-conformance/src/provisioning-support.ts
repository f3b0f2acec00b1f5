import type { GuestConfig, GuestSpecInput, Image, VmSpec } from '@hvc/hypervisor-connector';
import type { CaseContext } from './case-context.js';
import { fail } from './expect-error.js';

/** 1 GiB in bytes. */
export const GIB = 1024 ** 3;

/** An OpenSSH public key line for cloud-init cases (not anyone's key). */
export const KIT_SSH_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0oJOOhSk75mO+9yNMZQ5I1B37753XF6mwgoW6d2Xtl kit@conformance';

/** The password the cloud-init cases set: it must never come back. */
export const KIT_PASSWORD = 'kit-Secret-pw-9f3b';

/** The first image of `kind` the target lists; skips the case when it lists none (or cannot list images). */
export async function findImage(ctx: CaseContext, kind: 'disk-image' | 'iso'): Promise<Image> {
  await ctx.requireCapability('inventory.images');
  const page = await ctx.connector.listImages({ kinds: [kind], pageSize: 100 });
  const image = page.items[0];
  if (image === undefined) return ctx.skip(`the target lists no ${kind} image to create from`);
  return image;
}

/** A template guest to create from: the fixture's, else the first VM template listed; skips without one. */
export async function findTemplate(ctx: CaseContext): Promise<string> {
  if (ctx.fixture.templateGuestId) return ctx.fixture.templateGuestId(ctx.connector);
  const template = (await ctx.connector.listGuests({ type: 'vm', templates: true })).find((g) => g.template);
  if (template === undefined)
    return ctx.skip('the fixture has no templateGuestId and the target lists no template');
  return template.id;
}

/** A network of `node` NICs can be put on; skips the case when the target lists none. */
export async function findNetwork(ctx: CaseContext, node?: string): Promise<string> {
  await ctx.requireCapability('inventory.networks');
  const page = await ctx.connector.listNetworks({ ...(node === undefined ? {} : { node }), pageSize: 100 });
  const network = page.items[0];
  if (network === undefined) return ctx.skip('the target lists no network to put a NIC on');
  return network.id;
}

/** The fixture's VM spec without what a source replaces (its CD-ROM), on `node` when given. */
export function vmSpecFor(ctx: CaseContext, label: string, node?: string): VmSpecInput {
  const spec = ctx.spec({ type: 'vm', name: ctx.uniqueName(label), ...(node === undefined ? {} : { node }) });
  if (spec.type !== 'vm') return fail('the fixture’s vmSpec made no VM spec');
  const { cdrom: _cdrom, ...rest } = spec;
  return rest;
}

/** A VM spec as callers write it. */
export type VmSpecInput = Extract<GuestSpecInput, { type: 'vm' }>;

/** Cloud-init settings for a VM with `nics` NICs: user, password, key, a static address on the first NIC, DNS. */
export function kitCloudInit(nics: number): NonNullable<VmSpec['cloudInit']> {
  return {
    user: 'kit',
    password: KIT_PASSWORD,
    sshAuthorizedKeys: [KIT_SSH_KEY],
    ...(nics > 0 ? { interfaces: [{ ipv4: { address: '192.0.2.10/24', gateway: '192.0.2.1' } }] } : {}),
    dns: { nameservers: ['192.0.2.53'] },
    packageUpgrade: false,
  };
}

/** Checks that `config` shows the settings of {@link kitCloudInit}, and that the password shows nowhere. */
export function expectKitCloudInit(config: GuestConfig, nics: number, where: string): void {
  const cloudInit = config.cloudInit;
  if (cloudInit === undefined) fail(`${where}: getGuestConfig() shows no cloud-init settings`);
  if (cloudInit.user !== 'kit') fail(`${where}: cloud-init user is ${cloudInit.user}, expected kit`);
  if (!cloudInit.hasPassword) fail(`${where}: cloud-init hasPassword is false after a password was set`);
  if (!cloudInit.sshAuthorizedKeys.includes(KIT_SSH_KEY)) {
    fail(`${where}: cloud-init sshAuthorizedKeys do not hold the key set`);
  }
  if (!cloudInit.nameservers.includes('192.0.2.53')) fail(`${where}: cloud-init nameservers lack 192.0.2.53`);
  const ipv4 = cloudInit.interfaces[0]?.ipv4;
  if (
    nics > 0 &&
    (typeof ipv4 !== 'object' || ipv4.address !== '192.0.2.10/24' || ipv4.gateway !== '192.0.2.1')
  ) {
    fail(
      `${where}: cloud-init interfaces[0].ipv4 is ${JSON.stringify(ipv4)}, expected 192.0.2.10/24 via 192.0.2.1`,
    );
  }
  expectNoPassword(config, where);
}

/** Fails when the kit's password shows anywhere in `value`. */
export function expectNoPassword(value: unknown, where: string): void {
  if (JSON.stringify(value).includes(KIT_PASSWORD)) fail(`${where} shows the cloud-init password`);
}
