const KIND = /^[a-z][a-z0-9-]*$/;

/** Whether `value` can name a connector kind: lower case letters, digits and `-`, starting with a letter. */
export function isConnectorKind(value: unknown): value is string {
  return typeof value === 'string' && KIND.test(value);
}

/**
 * The connector kind a target URI names: its scheme, lower-cased, without a `+variant` suffix
 * (`proxmox+token://...` names `proxmox`). Undefined when `value` has no scheme.
 */
export function uriKind(value: string): string | undefined {
  const match = /^([A-Za-z][A-Za-z0-9.+-]*):\/\//.exec(value);
  return match?.[1]?.toLowerCase().split('+')[0];
}
