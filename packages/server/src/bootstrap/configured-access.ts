import { isHypervisorError } from '@hvc/hypervisor-connector';
import type { Logger } from 'pino';
import type { HvcStore } from '../storage/hvc-store.js';
import type { ServerConfig } from './server-config.js';

/**
 * Applies what the configuration says about access: the bootstrap organisation and its first admin, when missing,
 * and the service tokens. The configuration is the list of its service tokens: one that left it (rotated out) is
 * disabled. Tokens issued into the database (`hvc-server bootstrap`) are not the configuration's and stay.
 */
export async function applyConfiguredAccess(
  store: HvcStore,
  config: ServerConfig,
  logger: Logger,
): Promise<void> {
  if (config.bootstrap) await bootstrap(store, config.bootstrap, logger);
  const configured = new Set(config.serviceTokens.map((t) => t.id));
  for (const stored of await store.serviceTokens.listEnabled()) {
    if (stored.origin === 'config' && !configured.has(stored.id))
      await store.serviceTokens.setDisabled(stored.id, true);
  }
  for (const token of config.serviceTokens) {
    await store.members.getOrganization(token.organization).then((org) => {
      if (!org)
        throw new Error(`service token ${token.id}: organisation ${token.organization} does not exist`);
    });
    await store.serviceTokens.put({
      id: token.id,
      organizationId: token.organization,
      role: token.role,
      token: token.token,
    });
  }
}

async function bootstrap(
  store: HvcStore,
  boot: NonNullable<ServerConfig['bootstrap']>,
  logger: Logger,
): Promise<void> {
  // Replicas starting at once bootstrap at once: ALREADY_EXISTS means another one did it first.
  const unlessAnotherReplicaDidIt = (error: unknown) => {
    if (!isHypervisorError(error, 'ALREADY_EXISTS')) throw error;
  };
  if (!(await store.members.getOrganization(boot.organization))) {
    await store.members
      .createOrganization({ id: boot.organization, displayName: boot.organization })
      .then(() => logger.info({ organization: boot.organization }, 'bootstrap: organisation created'))
      .catch(unlessAnotherReplicaDidIt);
  }
  const user = await store.members.findUserByIdentity(boot.adminIssuer, boot.adminSubject);
  const member = user && (await store.members.getMember(boot.organization, user.id));
  if (!member) {
    await store.members
      .addMember({
        organizationId: boot.organization,
        issuer: boot.adminIssuer,
        subject: boot.adminSubject,
        role: 'admin',
      })
      .then(() => logger.info({ organization: boot.organization }, 'bootstrap: admin added'))
      .catch(unlessAnotherReplicaDidIt);
  }
}
