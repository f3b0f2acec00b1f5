/**
 * Isolation between organisations, property-based: several organisations, users and roles make random calls
 * against one server, and a model of who belongs where predicts every answer. No call may return, change or leak
 * another organisation's resources; role escalation fails; an organisation always keeps an enabled admin.
 */
import { randomBytes } from 'node:crypto';
import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { GuestService, MemberService, Role, SnapshotService, TargetService } from '@hvc/client/v1';
import { memoryConnectorFactory } from '@hvc/hypervisor-connector-memory';
import { createResolver } from '@hvc/hypervisor-resolver';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/authn/authenticator.js';
import { createOidcVerifier } from '../../src/authn/oidc-verifier.js';
import { createDatabaseAuthorizer } from '../../src/authz/database-authorizer.js';
import { type Role as RoleName, roleRank } from '../../src/domain/roles.js';
import { createHvcHandler } from '../../src/http/hvc-handler.js';
import { listenOnePort, type OnePortServer } from '../../src/http/one-port-server.js';
import { createCredentialCipher } from '../../src/storage/credential-cipher.js';
import { type HvcStore, openSqliteStore } from '../../src/storage/hvc-store.js';
import { type HostileIssuer, startHostileIssuer } from './support/hostile-issuer.js';

const ORGS = ['org-amber', 'org-blue', 'org-coral'] as const;
type Org = (typeof ORGS)[number];
const targetOf = (org: Org) => `tgt-${org.slice(4)}`;
/** Users and their memberships at the start of every run; `multi` belongs to two organisations. */
const USERS: Record<string, Partial<Record<Org, RoleName>>> = {
  'amber-admin': { 'org-amber': 'admin' },
  'amber-op': { 'org-amber': 'operator' },
  'amber-viewer': { 'org-amber': 'viewer' },
  'blue-admin': { 'org-blue': 'admin' },
  'blue-admin-2': { 'org-blue': 'admin' },
  'blue-viewer': { 'org-blue': 'viewer' },
  'coral-admin': { 'org-coral': 'admin' },
  multi: { 'org-amber': 'viewer', 'org-blue': 'operator' },
};
const NAMES = Object.keys(USERS);
const ROLE_ENUM: Record<RoleName, Role> = { viewer: Role.VIEWER, operator: Role.OPERATOR, admin: Role.ADMIN };
const SEED = Number(process.env.HVC_ISOLATION_SEED ?? 9_092_026);

let idp: HostileIssuer;
let store: HvcStore;
let server: OnePortServer;
let transports: Transport[];
const tokens: Record<string, string> = {};
const resolves = new Map<string, number>();
/** Each target's name by its key: what the resolver is asked for. */
const nameOfKey = new Map<string, string>();
const resolver = createResolver({
  connectors: { memory: memoryConnectorFactory },
  targets: (id) => store.targets.descriptor(id),
});

/** The model: each user's role per organisation, their ids, and which memberships (`user@org`) are disabled. */
interface World {
  readonly roles: Map<string, Map<Org, RoleName>>;
  readonly ids: Map<string, string>;
  readonly disabled: Set<string>;
}

/** The organisations where `user` acts: a disabled membership does not count. */
function activeRoles(world: World, user: string): Map<Org, RoleName> {
  return new Map([...world.roles.get(user)!].filter(([o]) => !world.disabled.has(`${user}@${o}`)));
}

/** Resets the database to {@link USERS} and returns the model of it. */
async function resetWorld(): Promise<World> {
  await store.db.deleteFrom('memberships').execute();
  await store.db.deleteFrom('users').execute();
  const world: World = { roles: new Map(), ids: new Map(), disabled: new Set() };
  for (const name of NAMES) {
    world.roles.set(name, new Map());
    for (const [org, role] of Object.entries(USERS[name]!) as Array<[Org, RoleName]>) {
      const { user } = await store.members.addMember({
        organizationId: org,
        issuer: idp.issuer,
        subject: name,
        role,
      });
      world.ids.set(name, user.id);
      world.roles.get(name)!.set(org, role);
    }
  }
  return world;
}

beforeAll(async () => {
  idp = await startHostileIssuer({ audience: 'urn:hvc:isolation' });
  store = await openSqliteStore(':memory:', createCredentialCipher(randomBytes(32)));
  for (const org of ORGS) {
    await store.members.createOrganization({ id: org, displayName: org });
    const { key } = await store.targets.create({
      id: targetOf(org),
      organizationId: org,
      displayName: `${org} target`,
      kind: 'memory',
      config: { guests: [{ type: 'vm', name: `${org}-web` }], operationDurationMs: 1 },
    });
    nameOfKey.set(key, targetOf(org));
  }
  for (const name of NAMES) tokens[name] = await idp.mint({ sub: name }, { typ: null });
  const authenticator = createAuthenticator({
    issuers: [createOidcVerifier({ issuer: idp.issuer, audience: idp.audience, algorithms: ['ES256'] })],
  });
  await authenticator.start();
  const counting = {
    resolve: (targetKey: string, options?: Parameters<typeof resolver.resolve>[1]) => {
      const name = nameOfKey.get(targetKey) ?? targetKey;
      resolves.set(name, (resolves.get(name) ?? 0) + 1);
      return resolver.resolve(targetKey, options);
    },
    evict: (targetKey: string) => resolver.evict(targetKey),
    validateTarget: (target: Parameters<typeof resolver.validateTarget>[0]) =>
      resolver.validateTarget(target),
  };
  server = await listenOnePort(
    createHvcHandler({
      resolver: counting,
      authenticator,
      authorizer: createDatabaseAuthorizer(store.db),
      store,
    }),
    { host: '127.0.0.1', port: 0 },
  );
  transports = [
    createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }),
    createGrpcTransport({ baseUrl: server.url }),
  ];
}, 30_000);

afterAll(async () => {
  await server?.close(1_000);
  await resolver.close();
  await store?.close();
  await idp?.close();
});

type Command =
  | { op: 'listTargets'; actor: string }
  | {
      op: 'read' | 'write';
      actor: string;
      org: Org;
      which: 'guests' | 'snapshots' | 'get' | 'describe' | 'nodes' | 'metrics' | 'start' | 'snapshot';
    }
  | { op: 'listMembers'; actor: string; org: Org }
  | { op: 'setRole'; actor: string; org: Org; subject: string; role: RoleName }
  | { op: 'disable'; actor: string; org: Org; subject: string }
  | { op: 'invite'; actor: string; org: Org; role: RoleName };

const actor = fc.constantFrom(...NAMES);
const org = fc.constantFrom(...ORGS);
const role = fc.constantFrom<RoleName>('viewer', 'operator', 'admin');
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ op: fc.constant('listTargets' as const), actor }),
  fc.record({
    op: fc.constant('read' as const),
    actor,
    org,
    which: fc.constantFrom('guests', 'snapshots', 'get', 'describe', 'nodes', 'metrics'),
  }),
  fc.record({ op: fc.constant('write' as const), actor, org, which: fc.constantFrom('start', 'snapshot') }),
  fc.record({ op: fc.constant('listMembers' as const), actor, org }),
  fc.record({ op: fc.constant('setRole' as const), actor, org, subject: actor, role }),
  fc.record({ op: fc.constant('disable' as const), actor, org, subject: actor }),
  fc.record({ op: fc.constant('invite' as const), actor, org, role }),
);

/** Expected outcome codes of a command in the model's current state. */
function expected(world: World, c: Command): Code[] | 'ok' {
  const mine = activeRoles(world, c.actor);
  // Disabled in every organisation: refused before anything is looked at.
  if (mine.size === 0) return [Code.PermissionDenied];
  if (c.op === 'listTargets') return 'ok';
  const rank = mine.has(c.org) ? roleRank(mine.get(c.org)!) : -1;
  if (rank < 0) return [Code.NotFound];
  const need = c.op === 'read' ? 'viewer' : c.op === 'write' ? 'operator' : 'admin';
  if (rank < roleRank(need)) return [Code.PermissionDenied];
  if (c.op === 'write') return [Code.FailedPrecondition, Code.AlreadyExists];
  if (c.op === 'setRole' || c.op === 'disable') {
    const subjectRoles = world.roles.get(c.subject)!;
    if (!subjectRoles.has(c.org)) return [Code.NotFound];
    // Only the last enabled admin is refused: a member call touches no other organisation.
    return [Code.FailedPrecondition];
  }
  return 'ok';
}

/** Whether taking `subject`'s admin role in `org` away (demoting or disabling) leaves it without an enabled admin. */
function leavesNoAdmin(world: World, c: Extract<Command, { op: 'setRole' | 'disable' }>): boolean {
  if (activeRoles(world, c.subject).get(c.org) !== 'admin' || (c.op === 'setRole' && c.role === 'admin'))
    return false;
  const admins = NAMES.filter((n) => activeRoles(world, n).get(c.org) === 'admin');
  return admins.length <= 1;
}

let invited = 0;
/** Runs one command against the server: the outcome code and every text of the answer. */
async function run(
  world: World,
  c: Command,
  transport: Transport,
): Promise<{ code: Code | 'ok'; text: string }> {
  const options = { headers: { authorization: `Bearer ${tokens[c.actor]}` } };
  const guest =
    c.op === 'read' || c.op === 'write' ? { targetId: targetOf(c.org), guestId: 'vm/100' } : undefined;
  try {
    let answer: unknown;
    switch (c.op) {
      case 'listTargets':
        answer = await createClient(TargetService, transport).listTargets({}, options);
        break;
      case 'read':
        answer =
          c.which === 'guests'
            ? await createClient(GuestService, transport).listGuests({ targetId: targetOf(c.org) }, options)
            : c.which === 'get'
              ? await createClient(GuestService, transport).getGuest(guest!, options)
              : c.which === 'metrics'
                ? await createClient(GuestService, transport).getMetrics(guest!, options)
                : c.which === 'describe'
                  ? await createClient(TargetService, transport).describeTarget(
                      { targetId: targetOf(c.org) },
                      options,
                    )
                  : c.which === 'nodes'
                    ? await createClient(TargetService, transport).listNodes(
                        { targetId: targetOf(c.org) },
                        options,
                      )
                    : await createClient(SnapshotService, transport).listSnapshots(guest!, options);
        break;
      case 'write':
        answer =
          c.which === 'start'
            ? await createClient(GuestService, transport).startGuest(guest!, options)
            : await createClient(SnapshotService, transport).createSnapshot(
                { ...guest!, name: `s${invited++}` },
                options,
              );
        break;
      case 'listMembers':
        answer = await createClient(MemberService, transport).listMembers({ organizationId: c.org }, options);
        break;
      case 'setRole':
        answer = await createClient(MemberService, transport).updateMemberRole(
          { organizationId: c.org, userId: world.ids.get(c.subject)!, role: ROLE_ENUM[c.role] },
          options,
        );
        break;
      case 'disable':
        answer = await createClient(MemberService, transport).disableMember(
          { organizationId: c.org, userId: world.ids.get(c.subject)! },
          options,
        );
        break;
      case 'invite':
        answer = await createClient(MemberService, transport).inviteMember(
          {
            organizationId: c.org,
            issuer: idp.issuer,
            subject: `guest-${invited++}`,
            role: ROLE_ENUM[c.role],
          },
          options,
        );
        break;
    }
    return {
      code: 'ok',
      text: JSON.stringify(answer, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
    };
  } catch (error) {
    const e = ConnectError.from(error);
    return { code: e.code, text: e.rawMessage };
  }
}

describe('isolation between organisations', () => {
  it('random calls by several organisations never see, change or leak another organisation', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 25 }), async (commands) => {
        const world = await resetWorld();
        for (const [i, c] of commands.entries()) {
          const foreign = ORGS.filter((o) => !world.roles.get(c.actor)!.has(o));
          const before = foreign.map((o) => resolves.get(targetOf(o)) ?? 0);
          const foreignMembers = async () =>
            JSON.stringify(
              await Promise.all(
                foreign.map(async (o) =>
                  (await store.members.listMembers(o)).map((m) => [m.user.id, m.role, m.disabled, m.status]),
                ),
              ),
            );
          const membersBefore = await foreignMembers();
          const want = expected(world, c);
          const got = await run(world, c, transports[i % 2]!);
          const label = `${JSON.stringify(c)} → ${got.code === 'ok' ? 'ok' : Code[got.code]} ${got.text}`;
          if (want === 'ok') expect(got.code, label).toBe('ok');
          else expect(got.code === 'ok' || want.includes(got.code), label).toBe(true);
          // Which refusals the model requires exactly:
          if (
            want !== 'ok' &&
            (want[0] === Code.NotFound || want[0] === Code.PermissionDenied) &&
            want.length === 1
          )
            expect(got.code, label).toBe(want[0]);
          if ((c.op === 'setRole' || c.op === 'disable') && got.code === 'ok') {
            expect(leavesNoAdmin(world, c), `${label}: the last admin went`).toBe(false);
          }
          // Nothing of another organisation in the answer (beyond the id the caller named itself), and its target
          // was never even resolved.
          for (const o of foreign.filter((f) => !('org' in c) || f !== c.org)) {
            expect(got.text.includes(o) || got.text.includes(targetOf(o)), `${label}: leaks ${o}`).toBe(
              false,
            );
          }
          expect(
            foreign.map((o) => resolves.get(targetOf(o)) ?? 0),
            label,
          ).toEqual(before);
          // No member of another organisation changed (role, or disabled).
          expect(await foreignMembers(), `${label}: changed another organisation's members`).toBe(
            membersBefore,
          );
          // Apply what happened to the model.
          if (got.code === 'ok' && c.op === 'setRole') world.roles.get(c.subject)!.set(c.org, c.role);
          if (got.code === 'ok' && c.op === 'disable') world.disabled.add(`${c.subject}@${c.org}`);
          if (c.op === 'listTargets' && got.code === 'ok') {
            const visible = [...activeRoles(world, c.actor).keys()].map(targetOf).sort();
            const ids = (JSON.parse(got.text) as { targets: Array<{ id: string }> }).targets
              .map((t) => t.id)
              .sort();
            expect(ids, label).toEqual(visible);
          }
        }
        // Every organisation still has an enabled admin.
        for (const o of ORGS) {
          const members = await store.members.listMembers(o);
          expect(
            members.some((m) => m.role === 'admin' && !m.disabled && m.status === 'active'),
            `${o} lost its last admin`,
          ).toBe(true);
        }
      }),
      { seed: SEED, numRuns: 60, endOnFailure: true },
    );
  }, 180_000);

  it("an admin of one organisation disables a user's membership there only: their other organisations are untouched", async () => {
    const world = await resetWorld();
    const options = { headers: { authorization: `Bearer ${tokens['amber-admin']}` } };
    const multi = { headers: { authorization: `Bearer ${tokens.multi}` } };
    const members = createClient(MemberService, transports[0]!);
    const guests = createClient(GuestService, transports[0]!);
    const { member } = await members.disableMember(
      { organizationId: 'org-amber', userId: world.ids.get('multi')! },
      options,
    );
    expect(member).toMatchObject({ organizationId: 'org-amber', disabled: true });
    const blue = await store.members.getMember('org-blue', world.ids.get('multi')!);
    expect(blue).toMatchObject({ disabled: false, role: 'operator', status: 'active' });
    // Still a member of blue in every respect, and out of amber.
    expect((await guests.listGuests({ targetId: targetOf('org-blue') }, multi)).guests).toHaveLength(1);
    const amber = await guests
      .listGuests({ targetId: targetOf('org-amber') }, multi)
      .catch((e: unknown) => ConnectError.from(e));
    expect((amber as ConnectError).code).toBe(Code.NotFound);
    // And no admin of amber can reach blue's membership by naming blue.
    const foreign = await members
      .disableMember({ organizationId: 'org-blue', userId: world.ids.get('multi')! }, options)
      .catch((e: unknown) => ConnectError.from(e));
    expect((foreign as ConnectError).code).toBe(Code.NotFound);
    expect((await store.members.getMember('org-blue', world.ids.get('multi')!))?.disabled).toBe(false);
  });

  it("NOT_FOUND for another organisation's target looks and takes the same as for a target that does not exist", async () => {
    await resetWorld();
    const options = { headers: { authorization: `Bearer ${tokens['amber-viewer']}` } };
    const guests = createClient(GuestService, transports[0]!);
    const answer = async (targetId: string) => {
      const started = performance.now();
      const error = await guests.getGuest({ targetId, guestId: 'vm/100' }, options).catch((e: unknown) => e);
      return { ms: performance.now() - started, error: ConnectError.from(error) };
    };
    const foreign = await answer('tgt-blue');
    const missing = await answer('tgt-nowhere');
    expect(foreign.error.code).toBe(Code.NotFound);
    expect(missing.error.code).toBe(Code.NotFound);
    expect(foreign.error.rawMessage.replace('tgt-blue', 'X')).toBe(
      missing.error.rawMessage.replace('tgt-nowhere', 'X'),
    );
    // Timing: interleaved samples; the medians differ by far less than a request takes.
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 150; i++) {
      a.push((await answer('tgt-blue')).ms);
      b.push((await answer('tgt-nowhere')).ms);
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const gap = Math.abs(median(a) - median(b));
    expect(gap, `medians ${median(a)} vs ${median(b)} ms`).toBeLessThan(
      Math.max(1, 0.5 * Math.min(median(a), median(b))),
    );
  }, 60_000);
});
