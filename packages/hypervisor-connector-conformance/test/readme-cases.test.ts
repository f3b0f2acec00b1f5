import { readFileSync } from 'node:fs';
import { CONFORMANCE_GROUPS } from '@hvc/hypervisor-connector-conformance';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('the README of cases', () => {
  it('lists every case of every group, with its behaviour, and nothing else', () => {
    const listed = [...readme.matchAll(/^\| `([a-z-]+\.[a-z0-9-]+)` \| (.+?) \|/gm)].map((m) => [m[1], m[2]]);
    const cases = Object.values(CONFORMANCE_GROUPS)
      .flat()
      .map((c) => [c.id, c.title.replace(/\|/g, '\\|')]);
    expect(listed).toEqual(cases);
    for (const group of Object.keys(CONFORMANCE_GROUPS)) expect(readme).toContain(`### ${group}\n`);
  });
});
