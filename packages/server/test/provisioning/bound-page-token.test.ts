import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bindPageToken, unbindPageToken } from '../../src/wire/bound-page-token.js';

const mac = (data: string) => createHmac('sha256', 'k').update(data).digest('hex');
const scope = { organizationId: 'acme', targetId: 'pve', list: 'storages' };

describe('bound page tokens', () => {
  it('carry the connector token back to the scope that issued them', () => {
    const token = bindPageToken(mac, scope, 'after:local-lvm');
    expect(token).not.toContain('local-lvm');
    expect(unbindPageToken(mac, scope, token)).toBe('after:local-lvm');
    expect(bindPageToken(mac, scope, undefined)).toBe('');
    expect(unbindPageToken(mac, scope, '')).toBeUndefined();
  });

  it('refuse a token replayed on another organisation, target or list, forged, or tampered with', () => {
    const token = bindPageToken(mac, scope, 'after:local-lvm');
    const [encoded, tag] = token.split('.');
    const forged = `${Buffer.from('after:zzz').toString('base64url')}.${tag}`;
    const otherKey = bindPageToken((d) => createHmac('sha256', 'other').update(d).digest('hex'), scope, 'x');
    for (const [where, bad] of [
      [{ ...scope, organizationId: 'globex' }, token],
      [{ ...scope, targetId: 'pve2' }, token],
      [{ ...scope, list: 'images' }, token],
      [scope, forged],
      [scope, `${encoded}.${tag}.x`],
      [scope, encoded!],
      [scope, otherKey],
      [scope, 'x'.repeat(5000)],
      [scope, '../../etc/passwd'],
    ] as const) {
      expect(() => unbindPageToken(mac, where, bad)).toThrowError(/page_token/);
    }
  });
});
