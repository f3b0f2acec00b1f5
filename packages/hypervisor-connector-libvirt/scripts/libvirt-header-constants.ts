/**
 * Constants the `.x` files use but do not define: rpcgen takes them from libvirt's C headers. Their values are
 * copied from libvirt 9.0.0's `include/libvirt/` and are part of the wire ABI (they never change).
 */
export interface HeaderConstant {
  readonly name: string;
  readonly value: number;
  readonly header: string;
}

/** Every C constant referenced by the protocol files we generate from. */
export const LIBVIRT_HEADER_CONSTANTS: readonly HeaderConstant[] = [
  { name: 'VIR_UUID_BUFLEN', value: 16, header: 'libvirt-host.h' },
  { name: 'VIR_SECURITY_MODEL_BUFLEN', value: 257, header: 'libvirt-host.h' },
  { name: 'VIR_SECURITY_LABEL_BUFLEN', value: 4097, header: 'libvirt-host.h' },
  { name: 'VIR_SECURITY_DOI_BUFLEN', value: 257, header: 'libvirt-host.h' },
  { name: 'VIR_TYPED_PARAM_INT', value: 1, header: 'libvirt-common.h' },
  { name: 'VIR_TYPED_PARAM_UINT', value: 2, header: 'libvirt-common.h' },
  { name: 'VIR_TYPED_PARAM_LLONG', value: 3, header: 'libvirt-common.h' },
  { name: 'VIR_TYPED_PARAM_ULLONG', value: 4, header: 'libvirt-common.h' },
  { name: 'VIR_TYPED_PARAM_DOUBLE', value: 5, header: 'libvirt-common.h' },
  { name: 'VIR_TYPED_PARAM_BOOLEAN', value: 6, header: 'libvirt-common.h' },
  { name: 'VIR_TYPED_PARAM_STRING', value: 7, header: 'libvirt-common.h' },
];
