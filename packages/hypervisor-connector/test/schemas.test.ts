import { describe, expect, it } from 'vitest';
import {
  CloneSpecSchema,
  GuestFilterSchema,
  GuestIdSchema,
  GuestPatchSchema,
  GuestSpecSchema,
  InvalidArgumentError,
  MigrateSpecSchema,
  parseInput,
  SnapshotSpecSchema,
  VolumeIdSchema,
  vmSizeOrDefaults,
} from '../src/index.js';

function violationsOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as InvalidArgumentError).violations;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('GuestSpecSchema', () => {
  it('applies defaults to a minimal VM spec; its size is left to the connector (a template keeps its own)', () => {
    const spec = parseInput(GuestSpecSchema, { type: 'vm', name: 'web-1' });
    expect(spec.type === 'vm' && 'cpus' in spec).toBe(false);
    expect(spec.type === 'vm' && vmSizeOrDefaults(spec)).toEqual({ cpus: 1, memoryMiB: 512 });
    expect(vmSizeOrDefaults({ cpus: 4 })).toEqual({ cpus: 4, memoryMiB: 512 });
    const container = parseInput(GuestSpecSchema, {
      type: 'container',
      name: 'ct',
      osTemplate: 'local:vztmpl/x.tar.zst',
    });
    expect(container).toMatchObject({ cpus: 1, memoryMiB: 512 });
    expect(spec).toMatchObject({
      type: 'vm',
      name: 'web-1',
      disks: [],
      nics: [],
      tags: [],
      start: false,
      osType: 'linux',
      firmware: 'bios',
    });
  });

  it('requires an OS template for containers', () => {
    expect(violationsOf(() => parseInput(GuestSpecSchema, { type: 'container', name: 'ct' }))).toEqual([
      { field: 'osTemplate', message: expect.any(String) },
    ]);
    const ok = parseInput(GuestSpecSchema, {
      type: 'container',
      name: 'ct',
      osTemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
    });
    expect(ok.type === 'container' && ok.unprivileged).toBe(true);
  });

  it('names each bad field, unknown ones included', () => {
    const violations = violationsOf(() =>
      parseInput(GuestSpecSchema, {
        type: 'vm',
        name: 'bad name!',
        cpus: 0,
        memoryMiB: 1.5,
        disks: [{ sizeGiB: -1 }],
        nics: [{ bridge: 'vmbr0', vlan: 5000 }],
        extra: true,
      }),
    );
    expect(violations.map((v) => v.field).sort()).toEqual(
      ['cpus', 'disks.0.sizeGiB', 'extra', 'memoryMiB', 'name', 'nics.0.vlan'].sort(),
    );
  });

  it('rejects an unknown guest type', () => {
    expect(violationsOf(() => parseInput(GuestSpecSchema, { type: 'pod', name: 'x' }))[0]?.field).toBe(
      'type',
    );
  });

  it('never echoes input values in the message', () => {
    try {
      parseInput(GuestSpecSchema, { type: 'container', name: 'ct', osTemplate: 'x', password: 'abc' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('abc');
      expect((error as Error).message).toContain('password');
    }
  });

  it('keeps hostile keys short and printable in violations', () => {
    const key = `\r\nX-Injected: yes${'a'.repeat(200)}`;
    const [violation] = violationsOf(() => parseInput(GuestSpecSchema, { type: 'vm', name: 'a', [key]: 1 }));
    expect(violation?.field).not.toMatch(/[\r\n]/);
    expect(violation?.field.length).toBeLessThanOrEqual(64);
  });
});

describe('identifiers', () => {
  it.each([
    ['qemu/100', true],
    ['vm/1', true],
    ['lxc/101', true],
    ['', false],
    ['../etc/passwd', false],
    ['qemu/..', false],
    ['qemu/100\n', false],
    ['a'.repeat(300), false],
    ['qemu//100', false],
  ])('guest id %j valid: %s', (id, valid) => {
    expect(GuestIdSchema.safeParse(id).success).toBe(valid);
  });

  it('rejects path traversal in volume ids', () => {
    expect(VolumeIdSchema.safeParse('local:iso/debian.iso').success).toBe(true);
    expect(VolumeIdSchema.safeParse('local:../../etc/shadow').success).toBe(false);
  });
});

describe('change schemas', () => {
  it('requires a patch to change something', () => {
    expect(GuestPatchSchema.safeParse({}).success).toBe(false);
    expect(GuestPatchSchema.safeParse({ ifMatch: 'abc' }).success).toBe(false);
    expect(GuestPatchSchema.safeParse({ cpus: 2, ifMatch: 'abc' }).success).toBe(true);
  });

  it('defaults a clone to a full copy and rejects unknown modes', () => {
    expect(parseInput(CloneSpecSchema, {}).mode).toBe('full');
    expect(CloneSpecSchema.safeParse({ mode: 'shallow' }).success).toBe(false);
  });

  it('validates snapshots and migrations', () => {
    expect(SnapshotSpecSchema.safeParse({ name: 'current' }).success).toBe(false);
    expect(SnapshotSpecSchema.safeParse({ name: '1st' }).success).toBe(false);
    expect(parseInput(SnapshotSpecSchema, { name: 'before-upgrade' }).includeMemory).toBe(false);
    expect(MigrateSpecSchema.safeParse({}).success).toBe(false);
    expect(MigrateSpecSchema.safeParse({ targetNode: 'pve2', online: true }).success).toBe(true);
  });

  it('validates list filters', () => {
    expect(GuestFilterSchema.safeParse({ state: 'running', type: 'vm' }).success).toBe(true);
    expect(GuestFilterSchema.safeParse({ state: 'exploded' }).success).toBe(false);
  });
});
