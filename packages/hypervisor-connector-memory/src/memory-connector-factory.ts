import { type ConnectorFactory, SPECIFICATION_VERSION } from '@hvc/hypervisor-connector';
import {
  type MemoryConnectorConfig,
  type MemoryConnectorConfigInput,
  MemoryConnectorConfigSchema,
} from './memory-config.js';
import { createMemoryConnector, MEMORY_CONNECTOR_KIND } from './memory-connector.js';

const factory: ConnectorFactory<MemoryConnectorConfig, MemoryConnectorConfigInput> = {
  kind: MEMORY_CONNECTOR_KIND,
  specificationVersion: SPECIFICATION_VERSION,
  configSchema: MemoryConnectorConfigSchema,
  create: (config, context) => createMemoryConnector(config, context),
};

/**
 * Makes memory connectors: kind `memory`, spec v1. `create` accepts the output of `configSchema` (or any
 * {@link MemoryConnectorConfig}, which it validates again) and puts the context's `targetId` in its errors.
 */
export const memoryConnectorFactory: ConnectorFactory<MemoryConnectorConfig, MemoryConnectorConfigInput> =
  Object.freeze(factory);
