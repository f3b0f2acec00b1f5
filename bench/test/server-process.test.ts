import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGuestFleet } from '../src/responder/guest-fleet.js';
import { ResponderProcess } from '../src/responder/responder-process.js';
import { ServerProcess } from '../src/server/server-process.js';
import { createBenchCertificate } from '../src/tls/bench-certificate.js';

// hvc-server in its own process as the server scenario starts it: a command that fails is answered with its error,
// and the process goes on answering the next ones.
describe('ServerProcess', () => {
  let responder: ResponderProcess;
  let server: ServerProcess;

  beforeAll(async () => {
    responder = await ResponderProcess.start({ guests: 20, nodes: 2 }, await createBenchCertificate());
    server = await ServerProcess.startOn(responder.target, {
      concurrency: 4,
      guestIds: buildGuestFleet(2, 2).guests.map((guest) => `${guest.type}/${guest.vmid}`),
    });
  });

  afterAll(async () => {
    await server?.close();
    await responder?.close();
  });

  it('answers a profile stopped before it started with an error, then profiles and measures on', async () => {
    await expect(server.stopProfile('')).rejects.toThrow('no profile is running: profile-start one first');
    await server.startProfile();
    await expect(server.startProfile()).rejects.toThrow(
      'a profile is running already: profile-stop it first',
    );
    const top = await server.stopProfile('');
    expect(top.length).toBeGreaterThan(0);
    expect(await server.cpuMicros()).toBeGreaterThan(0);
    expect((await server.memory()).rssBytes).toBeGreaterThan(0);
  });
});
