import { wire } from '@hvc/client';
import { Command, Option } from 'commander';
import type { CliIo } from '../io.js';
import { MEMBERS } from '../output/views.js';
import { action, type CommandRun } from './command-run.js';

const ROLES: Record<string, wire.Role> = {
  viewer: wire.Role.VIEWER,
  operator: wire.Role.OPERATOR,
  admin: wire.Role.ADMIN,
};

const roleOption = () =>
  new Option('--role <role>', 'viewer < operator < admin').choices(Object.keys(ROLES)).makeOptionMandatory();

/** The organisation a member command acts in: `--org`, the context's, or (server side) the caller's only one. */
const organizationOf = (run: CommandRun) => run.connection().organization ?? '';

/** `hvc members`: who belongs to an organisation, and with which role (admins manage them). */
export function membersCommand(io: CliIo): Command {
  const members = new Command('members').description("an organisation's members and their roles (admin)");

  members
    .command('list')
    .alias('ls')
    .description('list the members of the organisation (--org, or your only one)')
    .action(
      action(io, async (run) => {
        const { members } = await run.client().members.listMembers({ organizationId: organizationOf(run) });
        run.printer.list(MEMBERS, members);
      }),
    );

  members
    .command('invite')
    .description('add a user, known by OIDC issuer and subject, with a role no higher than yours')
    .requiredOption('--issuer <url>', "the user's OIDC issuer, exactly as in their tokens' iss")
    .requiredOption('--subject <sub>', "the user's subject (sub) at that issuer")
    .option('--email <email>', 'their email', '')
    .option('--name <name>', 'their display name', '')
    .addOption(roleOption())
    .action(
      action(io, async (run) => {
        const f = run.flags as Record<string, string>;
        const { member } = await run.client().members.inviteMember({
          organizationId: organizationOf(run),
          issuer: f.issuer as string,
          subject: f.subject as string,
          email: f.email as string,
          displayName: f.name as string,
          role: ROLES[f.role as string] as wire.Role,
        });
        if (member) run.printer.one(MEMBERS, member);
      }),
    );

  members
    .command('update')
    .description("change a member's role; the last admin cannot be demoted")
    .argument('<user>', 'the user id (hvc members list)')
    .addOption(roleOption())
    .action(
      action(io, async (run, userId) => {
        const { member } = await run.client().members.updateMemberRole({
          organizationId: organizationOf(run),
          userId,
          role: ROLES[run.flags.role as string] as wire.Role,
        });
        if (member) run.printer.one(MEMBERS, member);
      }),
    );

  members
    .command('disable')
    .description('lock a user out: every call with their tokens is denied from the next one on')
    .argument('<user>', 'the user id')
    .action(
      action(io, async (run, userId) => {
        const { member } = await run
          .client()
          .members.disableMember({ organizationId: organizationOf(run), userId });
        if (member) run.printer.one(MEMBERS, member);
      }),
    );

  members
    .command('remove')
    .alias('rm')
    .description('take a user out of the organisation (their other organisations are untouched)')
    .argument('<user>', 'the user id')
    .action(
      action(io, async (run, userId) => {
        await run.client().members.removeMember({ organizationId: organizationOf(run), userId });
        if (run.printer.format === 'json' || run.printer.format === 'yaml')
          run.printer.data({ removed: userId, organizationId: organizationOf(run) });
        else run.io.stderr.write(`Removed member ${userId}.\n`);
      }),
    );

  members
    .command('invitations')
    .description('list the organisations that invited you and wait for you to accept')
    .action(
      action(io, async (run) => {
        const { invitations } = await run.client().members.listInvitations({});
        run.printer.list(MEMBERS, invitations);
      }),
    );

  members
    .command('accept')
    .description('accept an invitation: your membership of that organisation counts from now on')
    .argument('<organization>', 'the organisation id (hvc members invitations)')
    .action(
      action(io, async (run, organizationId) => {
        const { member } = await run.client().members.acceptInvitation({ organizationId });
        if (member) run.printer.one(MEMBERS, member);
      }),
    );

  return members;
}
