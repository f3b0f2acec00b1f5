import {
  type FieldViolation,
  type HypervisorErrorOptions,
  InvalidArgumentError,
  isHypervisorError,
  NotFoundError,
  UnsupportedOperationError,
} from '@hvc/hypervisor-connector';

/** Whether `error` is a contract error with `code` and this `name`: works across duplicate package copies. */
function hasName(error: unknown, name: string): boolean {
  return isHypervisorError(error) && error.name === name;
}

/**
 * No connector of this kind is registered with the resolver (UNSUPPORTED). `availableKinds` lists the kinds it
 * knows, so a deployment missing a connector package says so plainly.
 */
export class NoSuchConnectorError extends UnsupportedOperationError {
  /** The kind that was asked for. */
  readonly kind: string;
  /** The kinds the resolver knows, sorted. */
  readonly availableKinds: readonly string[];

  constructor(kind: string, availableKinds: readonly string[], options: HypervisorErrorOptions = {}) {
    const known = availableKinds.length === 0 ? 'none' : availableKinds.join(', ');
    super(`connector:${kind}`, `no connector of kind "${kind}" is registered (available: ${known})`, {
      ...options,
      details: { ...options.details, kind, availableKinds },
    });
    this.name = 'NoSuchConnectorError';
    this.kind = kind;
    this.availableKinds = availableKinds;
  }

  /** Whether `error` is a {@link NoSuchConnectorError}, from this or another copy of the package. */
  static override isInstance(error: unknown): error is NoSuchConnectorError {
    return hasName(error, 'NoSuchConnectorError');
  }
}

/**
 * A connector factory speaks a version of the connector contract this resolver does not know (UNSUPPORTED).
 */
export class UnsupportedConnectorVersionError extends UnsupportedOperationError {
  /** The kind of the factory. */
  readonly kind: string;
  /** The version the factory declares. */
  readonly specificationVersion: string;
  /** The versions this resolver accepts. */
  readonly supportedVersions: readonly string[];

  constructor(
    kind: string,
    specificationVersion: string,
    supportedVersions: readonly string[],
    options: HypervisorErrorOptions = {},
  ) {
    super(
      `specification:${specificationVersion}`,
      `connector "${kind}" implements specification "${specificationVersion}"; this resolver supports ${supportedVersions.join(', ')}`,
      { ...options, details: { ...options.details, kind, specificationVersion, supportedVersions } },
    );
    this.name = 'UnsupportedConnectorVersionError';
    this.kind = kind;
    this.specificationVersion = specificationVersion;
    this.supportedVersions = supportedVersions;
  }

  /** Whether `error` is an {@link UnsupportedConnectorVersionError}, from this or another copy of the package. */
  static override isInstance(error: unknown): error is UnsupportedConnectorVersionError {
    return hasName(error, 'UnsupportedConnectorVersionError');
  }
}

/** No target with this id is known to the resolver's target source (NOT_FOUND). */
export class TargetNotFoundError extends NotFoundError {
  /** The id that was asked for. */
  readonly targetId: string;

  constructor(targetId: string, options: HypervisorErrorOptions = {}) {
    super(`no target with id "${targetId}"`, { ...options, target: targetId });
    this.name = 'TargetNotFoundError';
    this.targetId = targetId;
  }

  /** Whether `error` is a {@link TargetNotFoundError}, from this or another copy of the package. */
  static override isInstance(error: unknown): error is TargetNotFoundError {
    return hasName(error, 'TargetNotFoundError');
  }
}

/**
 * A target's descriptor or connector config failed validation (INVALID_ARGUMENT). The message names the target and
 * every bad field; `violations` has them one by one. Values never appear: configs hold secrets.
 */
export class InvalidTargetConfigError extends InvalidArgumentError {
  /** The target whose config is invalid. */
  readonly targetId: string;

  constructor(targetId: string, violations: readonly FieldViolation[], options: HypervisorErrorOptions = {}) {
    const summary = violations.map((v) => (v.field ? `${v.field}: ${v.message}` : v.message)).join('; ');
    super(`invalid config for target "${targetId}": ${summary}`, {
      ...options,
      target: targetId,
      violations,
    });
    this.name = 'InvalidTargetConfigError';
    this.targetId = targetId;
  }

  /** Whether `error` is an {@link InvalidTargetConfigError}, from this or another copy of the package. */
  static override isInstance(error: unknown): error is InvalidTargetConfigError {
    return hasName(error, 'InvalidTargetConfigError');
  }
}
