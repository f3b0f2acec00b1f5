import type { TargetRecord } from '../../domain/records.js';
import type { HvcStore } from '../../storage/hvc-store.js';

/** The demo's organisations, users and target. */
export const DEMO = {
  organization: 'demo',
  otherOrganization: 'other',
  admin: 'demo-admin',
  viewer: 'demo-viewer',
  otherAdmin: 'other-admin',
  targetId: 'pve-demo',
} as const;

/** Where the demo's Proxmox fake listens and how to log in to it. */
export interface DemoPve {
  readonly url: string;
  readonly fingerprint: string;
  readonly tokenId: string;
  readonly tokenSecret: string;
}

/**
 * Seeds the demo: organisation `demo` with an admin and a viewer, organisation `other` with its own admin, and one
 * Proxmox target owned by `demo`, pinned to the fake's certificate fingerprint; returns that target.
 */
export async function seedDemo(store: HvcStore, issuer: string, pve: DemoPve): Promise<TargetRecord> {
  await store.members.createOrganization({ id: DEMO.organization, displayName: 'Demo organisation' });
  await store.members.createOrganization({ id: DEMO.otherOrganization, displayName: 'Another organisation' });
  const member = (organizationId: string, subject: string, role: 'admin' | 'viewer') =>
    store.members.addMember({
      organizationId,
      issuer,
      subject,
      role,
      email: `${subject}@demo.invalid`,
      displayName: subject,
    });
  await member(DEMO.organization, DEMO.admin, 'admin');
  await member(DEMO.organization, DEMO.viewer, 'viewer');
  await member(DEMO.otherOrganization, DEMO.otherAdmin, 'admin');
  return store.targets.create({
    id: DEMO.targetId,
    organizationId: DEMO.organization,
    displayName: 'Demo Proxmox VE cluster (fake)',
    kind: 'proxmox',
    config: { endpoints: [{ url: pve.url, fingerprint: pve.fingerprint }] },
    credentials: { type: 'token', tokenId: pve.tokenId, secret: pve.tokenSecret },
  });
}
