import { InvalidArgumentError } from '@hvc/hypervisor-connector';

/** In `u` mode a pair is one code point, so only an unpaired surrogate matches. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A value as a YAML document written in JSON syntax (YAML is a JSON superset, so cloud-init's PyYAML `safe_load`
 * reads it), in pure ASCII: every non-ASCII character is escaped, `\uXXXX` or, beyond the BMP, `\UXXXXXXXX` (a
 * YAML escape PyYAML decodes to one character, where a JSON surrogate pair would give two). DEL and C1 controls,
 * which PyYAML refuses raw, are escaped the same way. A string with an unpaired surrogate is refused: no guest
 * file could hold it. `field` names the value in that error.
 */
export function toYamlJson(value: unknown, field: string): string {
  const json = JSON.stringify(
    value,
    (key, item: unknown) => {
      if (LONE_SURROGATE.test(key) || (typeof item === 'string' && LONE_SURROGATE.test(item))) {
        throw new InvalidArgumentError(`invalid ${field}: a text holds an unpaired UTF-16 surrogate`, {
          violations: [{ field, message: 'a text holds an unpaired UTF-16 surrogate' }],
        });
      }
      return item;
    },
    2,
  );
  let out = '';
  for (const char of json) {
    const code = char.codePointAt(0) as number;
    if (code < 0x7f) out += char;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return out;
}
