import manifest from '../package.json' with { type: 'json' };

/** This package's version, as `hvc --version` prints it. */
export const VERSION: string = manifest.version;
