/** The version of the connector contract this package defines. */
export const SPECIFICATION_VERSION = 'v1' as const;

/** A version of the connector contract. Versions live side by side; a resolver adapts or rejects unknown ones. */
export type SpecificationVersion = typeof SPECIFICATION_VERSION;
