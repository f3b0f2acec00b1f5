import { bool, int, nodeParam, num, type ParamSpecs, required, str, vmidParam } from './param-spec.js';

/** LXC config keys the fake accepts on create and config update (a subset of PVE's). */
export const lxcConfigParams: ParamSpecs = {
  arch: str({ enum: ['amd64', 'i386', 'arm64', 'armhf', 'riscv32', 'riscv64'] }),
  cmode: str({ enum: ['shell', 'console', 'tty'] }),
  console: bool(),
  cores: int({ minimum: 1, maximum: 8192 }),
  cpulimit: num({ minimum: 0, maximum: 8192 }),
  cpuunits: int({ minimum: 0, maximum: 500000 }),
  description: str({ maxLength: 8192 }),
  features: str(),
  hostname: str({ format: 'dns-name', maxLength: 255 }),
  lock: str({
    enum: [
      'backup',
      'create',
      'destroyed',
      'disk',
      'fstrim',
      'migrate',
      'mounted',
      'rollback',
      'snapshot',
      'snapshot-delete',
    ],
  }),
  memory: int({ minimum: 16 }),
  'mp[n]': str({ indexed: 256 }),
  nameserver: str(),
  'net[n]': str({ indexed: 32 }),
  onboot: bool(),
  ostype: str({
    enum: [
      'debian',
      'devuan',
      'ubuntu',
      'centos',
      'fedora',
      'opensuse',
      'archlinux',
      'alpine',
      'gentoo',
      'nixos',
      'unmanaged',
    ],
  }),
  protection: bool(),
  rootfs: str(),
  searchdomain: str(),
  startup: str(),
  swap: int({ minimum: 0 }),
  tags: str(),
  template: bool(),
  timezone: str(),
  tty: int({ minimum: 0, maximum: 6 }),
  unprivileged: bool(),
};

/** `POST /nodes/{node}/lxc`. */
export const lxcCreateParams: ParamSpecs = {
  ...lxcConfigParams,
  node: nodeParam,
  vmid: required(vmidParam),
  ostemplate: required(str({ maxLength: 255 })),
  password: str({ minLength: 5 }),
  'ssh-public-keys': str(),
  pool: str({ format: 'pve-poolid' }),
  start: bool(),
  storage: str({ format: 'pve-storage-id' }),
  unique: bool(),
};

/** `PUT /nodes/{node}/lxc/{vmid}/config`. */
export const lxcUpdateParams: ParamSpecs = {
  ...lxcConfigParams,
  node: nodeParam,
  vmid: required(vmidParam),
  delete: str({ format: 'pve-configid-list' }),
  digest: str({ maxLength: 40 }),
  revert: str({ format: 'pve-configid-list' }),
};
