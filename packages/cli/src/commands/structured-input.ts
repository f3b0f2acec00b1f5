import { readFileSync } from 'node:fs';
import type { JsonObject } from '@bufbuild/protobuf';
import { parse } from 'yaml';
import { CliError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import { readAll } from '../io.js';

/** A JSON or YAML object from inline text (`--config '{"a":1}'`). */
export function objectFromText(text: string, what: string): JsonObject {
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new CliError(`${what}: not JSON or YAML: ${(error as Error).message}`, EXIT.usage);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CliError(`${what}: expected an object`, EXIT.usage);
  return value as JsonObject;
}

/**
 * A JSON or YAML object from a file, or from stdin when the path is `-` (so secrets need not be on the command line
 * or in a file). Parse errors name the flag, never the content.
 */
export async function objectFromFile(
  path: string,
  stdin: NodeJS.ReadableStream,
  what: string,
): Promise<JsonObject> {
  let text: string;
  try {
    text = path === '-' ? await readAll(stdin) : readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`${what}: cannot read ${path}: ${(error as Error).message}`, EXIT.usage);
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch {
    throw new CliError(`${what}: ${path} is not JSON or YAML`, EXIT.usage);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CliError(`${what}: ${path} does not hold an object`, EXIT.usage);
  return value as JsonObject;
}
