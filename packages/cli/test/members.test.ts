import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoInfo, type DemoServer, startDemoServer } from './support/demo-server.js';
import { type HvcResult, startHvc } from './support/hvc-process.js';

interface MemberJson {
  userId: string;
  organizationId: string;
  issuer: string;
  subject: string;
  role: string;
  status: string;
}

/** The claims of a JWT, read without checking it (the server does that). */
const claims = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as { iss: string; sub: string };

let server: DemoServer | undefined;
let demo: DemoInfo;

/** `hvc <args>` as a script runs it: HVC_SERVER and HVC_TOKEN, no configuration. */
const hvc = (token: string, args: string[]): Promise<HvcResult> =>
  startHvc(args, { HOME: '/nonexistent', HVC_SERVER: demo.url, HVC_TOKEN: token }).result();

beforeAll(async () => {
  server = await startDemoServer();
  demo = server.info;
}, 60_000);

afterAll(() => server?.stop());

describe('hvc members', { timeout: 60_000 }, () => {
  it('invites a user of another organisation, who lists and accepts the invitation; the admin then removes them', async () => {
    const invitee = claims(demo.otherOrgToken);
    const invited = await hvc(demo.adminToken, [
      'members',
      'invite',
      '--issuer',
      invitee.iss,
      '--subject',
      invitee.sub,
      '--role',
      'viewer',
      '-o',
      'json',
    ]);
    expect(invited.code, invited.stderr).toBe(0);
    expect(JSON.parse(invited.stdout)).toMatchObject({ organizationId: 'demo', subject: invitee.sub });

    const pending = await hvc(demo.otherOrgToken, ['members', 'invitations']);
    expect(pending.code, pending.stderr).toBe(0);
    expect(pending.stdout).toMatch(/^USER +ORGANIZATION +NAME +EMAIL +ROLE +STATUS +DISABLED/);
    expect(pending.stdout).toMatch(/ demo +.* viewer +invited +no/);

    const accepted = await hvc(demo.otherOrgToken, ['members', 'accept', 'demo', '-o', 'json']);
    expect(accepted.code, accepted.stderr).toBe(0);
    const member = JSON.parse(accepted.stdout) as MemberJson;
    expect(member).toMatchObject({
      organizationId: 'demo',
      subject: invitee.sub,
      status: 'MEMBERSHIP_STATUS_ACTIVE',
    });
    expect((await hvc(demo.otherOrgToken, ['members', 'invitations', '-o', 'json'])).stdout.trim()).toBe(
      '[]',
    );

    const listed = await hvc(demo.adminToken, ['members', 'list', '-o', 'json']);
    expect((JSON.parse(listed.stdout) as MemberJson[]).map((m) => m.userId)).toContain(member.userId);

    const removed = await hvc(demo.adminToken, ['members', 'remove', member.userId]);
    expect(removed).toMatchObject({ code: 0, stdout: '', stderr: `Removed member ${member.userId}.\n` });
    const after = await hvc(demo.adminToken, ['members', 'list', '-o', 'json']);
    expect((JSON.parse(after.stdout) as MemberJson[]).map((m) => m.userId)).not.toContain(member.userId);
    // Their own organisation is untouched: they still list its members.
    expect((await hvc(demo.otherOrgToken, ['members', 'list', '--org', 'other'])).code).toBe(0);

    const again = await hvc(demo.adminToken, ['members', 'remove', member.userId]);
    expect(again.code).toBe(6); // NOT_FOUND
  });
});
