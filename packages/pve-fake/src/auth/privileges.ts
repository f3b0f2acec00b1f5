const VM_COMMON = [
  'VM.Allocate',
  'VM.Clone',
  'VM.Config.Disk',
  'VM.Config.CDROM',
  'VM.Config.CPU',
  'VM.Config.Memory',
  'VM.Config.Network',
  'VM.Config.HWType',
  'VM.Config.Options',
  'VM.Config.Cloudinit',
  'VM.Console',
  'VM.Backup',
  'VM.PowerMgmt',
  'VM.Migrate',
  'VM.Snapshot',
  'VM.Snapshot.Rollback',
  'VM.Audit',
];
const VM_PVE9 = [
  'VM.Replicate',
  'VM.GuestAgent.Audit',
  'VM.GuestAgent.FileRead',
  'VM.GuestAgent.FileWrite',
  'VM.GuestAgent.FileSystemMgmt',
  'VM.GuestAgent.Unrestricted',
];
const SYS = [
  'Sys.PowerMgmt',
  'Sys.Modify',
  'Sys.Incoming',
  'Sys.AccessNetwork',
  'Sys.Console',
  'Sys.Syslog',
  'Sys.Audit',
];
const DATASTORE = [
  'Datastore.Allocate',
  'Datastore.AllocateTemplate',
  'Datastore.AllocateSpace',
  'Datastore.Audit',
];
const OTHER = [
  'SDN.Allocate',
  'SDN.Audit',
  'SDN.Use',
  'Realm.Allocate',
  'Realm.AllocateUser',
  'User.Modify',
  'Group.Allocate',
  'Pool.Allocate',
  'Pool.Audit',
  'Mapping.Modify',
  'Mapping.Use',
  'Mapping.Audit',
  'Permissions.Modify',
];

/** All privileges of a PVE major version (`VM.Monitor` only in 8; `VM.GuestAgent.*`, `VM.Replicate` only in 9). */
export function allPrivileges(pveVersion: 8 | 9): readonly string[] {
  return [...VM_COMMON, ...(pveVersion === 8 ? ['VM.Monitor'] : VM_PVE9), ...SYS, ...DATASTORE, ...OTHER];
}

/** PVE's built-in roles and their privileges for a major version. */
export function builtinRoles(pveVersion: 8 | 9): Map<string, ReadonlySet<string>> {
  const all = allPrivileges(pveVersion);
  const vmAll = all.filter((p) => p.startsWith('VM.'));
  const roles: Record<string, readonly string[]> = {
    Administrator: all,
    NoAccess: [],
    PVEAdmin: all.filter(
      (p) => !['Permissions.Modify', 'Realm.Allocate', 'Sys.Modify', 'Sys.PowerMgmt'].includes(p),
    ),
    PVEAuditor: all.filter((p) => p.endsWith('.Audit')),
    // pve-access-control `src/PVE/AccessControl.pm` `create_roles`: `PVE<group>Admin` takes its group's admin, user
    // and audit privileges, `PVE<group>User` the user and audit ones — its own `$privgroups` group only, so neither VM
    // role holds a `Datastore.*`, `SDN.*` or `Pool.*` privilege (a VM's disks need `Datastore.AllocateSpace` granted
    // on the storage apart, e.g. with `PVEDatastoreUser`).
    PVEVMAdmin: vmAll,
    PVEVMUser: [
      'VM.Audit',
      'VM.Backup',
      'VM.Config.CDROM',
      'VM.Config.Cloudinit',
      'VM.Console',
      'VM.PowerMgmt',
      'VM.GuestAgent.Audit',
      'VM.GuestAgent.FileRead',
      'VM.GuestAgent.FileSystemMgmt',
      'VM.GuestAgent.FileWrite',
    ].filter((p) => all.includes(p)),
    PVEDatastoreAdmin: [
      'Datastore.Allocate',
      'Datastore.AllocateSpace',
      'Datastore.AllocateTemplate',
      'Datastore.Audit',
    ],
    PVEDatastoreUser: ['Datastore.AllocateSpace', 'Datastore.Audit'],
    PVESysAdmin: [
      'Sys.Audit',
      'Sys.Console',
      'Sys.Syslog',
      'Sys.PowerMgmt',
      'Sys.Modify',
      'Sys.AccessNetwork',
    ],
    PVEUserAdmin: ['User.Modify', 'Group.Allocate', 'Realm.AllocateUser', 'Sys.Audit'],
    PVEPoolAdmin: ['Pool.Allocate', 'Pool.Audit'],
    PVEPoolUser: ['Pool.Audit'],
    PVESDNAdmin: ['SDN.Allocate', 'SDN.Audit', 'SDN.Use'],
    PVESDNUser: ['SDN.Audit', 'SDN.Use'],
    PVEMappingAdmin: ['Mapping.Audit', 'Mapping.Modify', 'Mapping.Use'],
    PVEMappingUser: ['Mapping.Audit', 'Mapping.Use'],
    PVETemplateUser: ['VM.Clone', 'VM.Audit'],
  };
  return new Map(Object.entries(roles).map(([k, v]) => [k, new Set(v)]));
}
