import {
  type ConnectorContext,
  SPECIFICATION_VERSION,
  type TargetUriExtras,
  type UriConnectorFactory,
} from '@hvc/hypervisor-connector';
import { type LibvirtConfig, type LibvirtConfigInput, LibvirtConfigSchema } from './config/libvirt-config.js';
import { parseLibvirtTargetUri } from './config/target-uri.js';
import {
  createLibvirtConnector,
  LIBVIRT_CONNECTOR_KIND,
  type LibvirtConnector,
} from './connector/libvirt-connector.js';

/** The libvirt connector factory, with the `libvirt+` URI form of a target. */
export interface LibvirtConnectorFactory extends UriConnectorFactory<LibvirtConfig, LibvirtConfigInput> {
  readonly kind: 'libvirt';
  /** Creates a connector for one target (see {@link createLibvirtConnector}). */
  create(config: LibvirtConfig, context?: ConnectorContext): LibvirtConnector;
  /** The config input of a `libvirt+qemu+tcp://host/system?pool=…&host=…` target URI (see `parseLibvirtTargetUri`). */
  configFromUri(uri: string, extras?: TargetUriExtras): LibvirtConfigInput;
}

/**
 * Makes libvirt connectors for a resolver: kind `libvirt`, spec v1, `configSchema` = {@link LibvirtConfigSchema}
 * (field-path errors), `configFromUri` for `libvirt+<libvirt URI>` targets.
 */
export const libvirtConnectorFactory: LibvirtConnectorFactory = Object.freeze({
  kind: LIBVIRT_CONNECTOR_KIND,
  specificationVersion: SPECIFICATION_VERSION,
  configSchema: LibvirtConfigSchema,
  create: (config: LibvirtConfig, context?: ConnectorContext) => createLibvirtConnector(config, context),
  configFromUri: (uri: string, extras?: TargetUriExtras) => parseLibvirtTargetUri(uri, extras),
});
