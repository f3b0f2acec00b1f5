/**
 * Memberships across organisations: an invitation reveals nothing about another organisation's user, member calls
 * touch the caller's organisation only, RemoveMember, and invitations that count for nothing until accepted. Red-team
 * cases 2 (InviteMember leaks identities), 3 (memberships across organisations) and the invitation that broke the
 * invitee's calls without an organisation; each over Connect JSON and gRPC.
 */
import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { MemberService, MembershipStatus, Role, TargetService } from '@hvc/client/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOLS, type Protocol } from './support/raw-call.js';
import { type SecurityStack, startSecurityStack } from './support/security-stack.js';

let s: SecurityStack;
beforeAll(async () => {
  s = await startSecurityStack();
}, 30_000);
afterAll(async () => {
  await s.close();
});

function transport(p: Protocol): Transport {
  return p === 'connect'
    ? createConnectTransport({ baseUrl: s.url, httpVersion: '1.1' })
    : createGrpcTransport({ baseUrl: s.url });
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const as = async (user: Parameters<SecurityStack['token']>[0]) => bearer(await s.token(user));
/** A token of a user of issuer A who is not in the stack's fixed list. */
const asSubject = async (subject: string) => bearer(await s.a.mint({ sub: subject }));

async function failure(call: Promise<unknown>): Promise<ConnectError | 'ok'> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    return ConnectError.from(error);
  }
}

async function codeOf(call: Promise<unknown>): Promise<Code | 'ok'> {
  const outcome = await failure(call);
  return outcome === 'ok' ? 'ok' : outcome.code;
}

describe.each(PROTOCOLS)('memberships across organisations (%s)', (p) => {
  it("inviting another organisation's user answers with what the caller sent, nothing of the other organisation", async () => {
    const subject = `known-${p}`;
    const known = await s.store.members.addMember({
      organizationId: 'acme',
      issuer: s.a.issuer,
      subject,
      role: 'admin',
      email: `${subject}@acme-private.example`,
      displayName: 'Acme Private Name',
    });
    await s.store.members.setDisabled('acme', known.user.id, true);
    const members = createClient(MemberService, transport(p));
    const { member } = await members.inviteMember(
      { organizationId: 'globex', issuer: s.a.issuer, subject, role: Role.VIEWER },
      await as('gadmin'),
    );
    expect(member).toMatchObject({
      organizationId: 'globex',
      issuer: s.a.issuer,
      subject,
      email: '',
      displayName: '',
      role: Role.VIEWER,
      disabled: false,
      status: MembershipStatus.INVITED,
    });
    const text = JSON.stringify(member);
    expect(text).not.toContain('acme');
    expect(text).not.toContain('Acme Private Name');
    // Its answer for an identity nobody knows has the very same shape.
    const { member: unknown } = await members.inviteMember(
      { organizationId: 'globex', issuer: s.a.issuer, subject: `unknown-${p}`, role: Role.VIEWER },
      await as('gadmin'),
    );
    expect({ ...unknown, userId: '', subject: '' }).toEqual({ ...member, userId: '', subject: '' });
    // Acme's view of its own member is unchanged.
    expect(await s.store.members.getMember('acme', known.user.id)).toMatchObject({
      email: `${subject}@acme-private.example`,
      displayName: 'Acme Private Name',
      disabled: true,
    });
  });

  it("disabling a member in one organisation never blocks the user's membership in another", async () => {
    const subject = `newhire-${p}`;
    const members = createClient(MemberService, transport(p));
    const gadmin = await as('gadmin');
    // Globex invites someone nobody has invited yet, and disables them at once...
    const { member } = await members.inviteMember(
      { organizationId: 'globex', issuer: s.a.issuer, subject, role: Role.VIEWER },
      gadmin,
    );
    await members.disableMember({ organizationId: 'globex', userId: member!.userId }, gadmin);
    // ...then acme invites them, and they accept: acme's membership is theirs in full.
    await members.inviteMember(
      { organizationId: 'acme', issuer: s.a.issuer, subject, role: Role.VIEWER },
      await as('alice'),
    );
    const newhire = await asSubject(subject);
    await members.acceptInvitation({ organizationId: 'acme' }, newhire);
    const targets = createClient(TargetService, transport(p));
    expect((await targets.listTargets({}, newhire)).targets.map((t) => t.id).sort()).toEqual([
      'mem-a',
      'mem-slow',
    ]);
    // Naming another organisation reaches nothing there: NOT_FOUND, and the membership there is as it was.
    expect(
      await codeOf(members.disableMember({ organizationId: 'acme', userId: member!.userId }, gadmin)),
    ).toBe(Code.NotFound);
    expect(
      await codeOf(members.removeMember({ organizationId: 'acme', userId: member!.userId }, gadmin)),
    ).toBe(Code.NotFound);
    expect(await s.store.members.getMember('acme', member!.userId)).toMatchObject({
      disabled: false,
      status: 'active',
    });
  });

  it('RemoveMember ends a membership in the caller’s organisation, keeps the last admin, and is audited', async () => {
    const subject = `leaver-${p}`;
    const members = createClient(MemberService, transport(p));
    const alice = await as('alice');
    const { member } = await members.inviteMember(
      { organizationId: 'acme', issuer: s.a.issuer, subject, role: Role.OPERATOR },
      alice,
    );
    const leaver = await asSubject(subject);
    await members.acceptInvitation({ organizationId: 'acme' }, leaver);
    const targets = createClient(TargetService, transport(p));
    expect(await codeOf(targets.listTargets({}, leaver))).toBe('ok');
    expect(await codeOf(members.removeMember({ userId: member!.userId }, await as('viewer')))).toBe(
      Code.PermissionDenied,
    );
    await members.removeMember({ organizationId: 'acme', userId: member!.userId }, alice);
    expect(await s.store.members.getMember('acme', member!.userId)).toBeUndefined();
    expect(await codeOf(targets.listTargets({}, leaver))).toBe(Code.PermissionDenied);
    const events = await s.store.audit.list({ organizationId: 'acme', limit: 50 });
    expect(events).toContainEqual(
      expect.objectContaining({
        action: 'hvc.v1.MemberService/RemoveMember',
        outcome: 'ok',
        memberId: member!.userId,
        actor: { type: 'user', id: s.userIds.alice },
      }),
    );
    const last = await failure(
      members.removeMember({ organizationId: 'globex', userId: s.userIds.gadmin }, await as('gadmin')),
    );
    expect(last === 'ok' ? 'ok' : last.code).toBe(Code.FailedPrecondition);
  });

  it("another organisation's invitation changes nothing for the invitee until they accept it", async () => {
    const members = createClient(MemberService, transport(p));
    const targets = createClient(TargetService, transport(p));
    const alice = await as('alice');
    await members.inviteMember(
      { organizationId: 'globex', issuer: s.a.issuer, subject: 'alice', role: Role.ADMIN },
      await as('gadmin'),
    );
    try {
      // Calls without an organisation still mean acme, and globex's targets stay out of reach.
      expect((await members.listMembers({}, alice)).members.every((m) => m.organizationId === 'acme')).toBe(
        true,
      );
      expect((await targets.listTargets({}, alice)).targets.every((t) => t.organizationId === 'acme')).toBe(
        true,
      );
      expect(await codeOf(targets.getTarget({ targetId: 'mem-b', organizationId: 'globex' }, alice))).toBe(
        Code.NotFound,
      );
      const { invitations } = await members.listInvitations({}, alice);
      expect(invitations.map((i) => [i.organizationId, i.status])).toEqual([
        ['globex', MembershipStatus.INVITED],
      ]);
      // Accepting is the invitee's choice; from then on the organisation counts.
      await members.acceptInvitation({ organizationId: 'globex' }, alice);
      expect(await codeOf(targets.getTarget({ targetId: 'mem-b' }, alice))).toBe('ok');
      expect(await codeOf(members.listMembers({}, alice))).toBe(Code.InvalidArgument);
      expect(await codeOf(members.acceptInvitation({ organizationId: 'globex' }, alice))).toBe(Code.NotFound);
    } finally {
      await s.store.members.removeMember('globex', s.userIds.alice);
    }
  });
});
