import { checkBoot } from './boot-format.js';
import { checkAddressList, checkCicustom, checkIpconfig, checkUrlencoded } from './cloudinit-formats.js';
import type { PveStringFormat } from './param-spec.js';

/**
 * A format check: returns the error text (PVE wording, without the `invalid format - ` prefix) or undefined. `name`
 * is the parameter's name, the path property strings name their nested errors by (`ipconfig0.gw`).
 */
type FormatCheck = (value: string, name: string) => string | undefined;

const CONFIGID = /^[a-z][a-z0-9_-]+$/i;
const NODE = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const STORAGE_ID = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
/** pve-access-control `src/PVE/AccessControl.pm` `verify_poolname`: up to 3 levels (`prod/web`). */
const POOL_ID = /^[A-Za-z0-9.\-_]+(?:\/[A-Za-z0-9.\-_]+){0,2}$/;
const USERID = /^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+$/;
const DNS_NAME =
  /^(?:(?:[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)\.)*(?:[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)$/;

const TASK_STATUS_TYPE = /^(ok|error|warning|unknown)$/i;

const configId: FormatCheck = (v) => (CONFIGID.test(v) ? undefined : `invalid configuration ID '${v}'`);

const checks: Record<PveStringFormat, FormatCheck> = {
  'pve-node': (v) => (NODE.test(v) ? undefined : `value does not look like a valid node name`),
  'pve-configid': configId,
  'pve-configid-list': (v) => {
    for (const id of splitList(v)) {
      const err = configId(id, '');
      if (err) return err;
    }
    return undefined;
  },
  'pve-storage-id': (v) => (STORAGE_ID.test(v) ? undefined : `storage ID '${v}' contains illegal characters`),
  'pve-poolid': (v) =>
    v.split('/').length > 3
      ? `pool name '${v}' nested too deeply (max levels = 3)`
      : POOL_ID.test(v)
        ? undefined
        : `pool name '${v}' contains invalid characters`,
  'pve-userid': (v) => (USERID.test(v) ? undefined : `value '${v}' does not look like a valid user name`),
  'dns-name': (v) => (DNS_NAME.test(v) ? undefined : `value does not look like a valid DNS name`),
  urlencoded: checkUrlencoded,
  'address-list': checkAddressList,
  'pve-qm-ipconfig': checkIpconfig,
  'pve-qm-cicustom': checkCicustom,
  'pve-qm-boot': checkBoot,
  // pve-common `src/PVE/JSONSchema.pm` `verify_task_status_type`, for each item of the list.
  'pve-task-status-type-list': (v) => {
    const invalid = splitList(v).find((status) => !TASK_STATUS_TYPE.test(status));
    return invalid === undefined ? undefined : `invalid status '${invalid}'`;
  },
};

/** Checks a string against a PVE format; returns the message PVE puts after `invalid format - `. */
export function checkStringFormat(format: PveStringFormat, value: string, name = ''): string | undefined {
  return checks[format](value, name);
}

/** PVE's VM id format (`pve-vmid`). */
export function checkVmidFormat(value: string): string | undefined {
  return /^[1-9][0-9]{2,8}$/.test(value) ? undefined : 'value does not look like a valid VM ID';
}

/** Splits a PVE `-list` value on `,`, `;` or whitespace (or NUL if present). */
export function splitList(value: string): string[] {
  const parts = value.includes('\0') ? value.split('\0') : value.split(/[,;\s]+/);
  return parts.filter((p) => p.length > 0);
}
