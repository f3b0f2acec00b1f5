import { readFileSync } from 'node:fs';
import { buildGuestFleet } from './guest-fleet.js';
import type { ResponderCommand, ResponderLaunch, ResponderReply } from './responder-protocol.js';
import { ResponderServer } from './responder-server.js';

// The responder runs in its own process so that it has a core of its own and never shares an event loop
// with the clients it answers.
const launch = JSON.parse(process.argv[2] as string) as ResponderLaunch;
const server = new ResponderServer({
  fleet: buildGuestFleet(launch.guests, launch.nodes),
  taskDurationMs: launch.taskDurationMs,
  key: readFileSync(launch.keyFile, 'utf8'),
  cert: readFileSync(launch.certFile, 'utf8'),
  authorization: launch.authorization,
});

const send = (reply: ResponderReply, then?: () => void) => process.send?.(reply, undefined, {}, then);

// The parent is gone (it finished, failed or was killed): stop with it rather than hold its terminal open.
process.on('disconnect', () => process.exit(0));

process.on('message', (message: ResponderCommand) => {
  if (message.cmd === 'stats') send({ id: message.id, stats: server.stats() });
  else if (message.cmd === 'reset') {
    server.reset();
    send({ id: message.id });
  } else if (message.cmd === 'close') {
    void server.close().then(() => {
      send({ id: message.id }, () => process.exit(0));
    });
  }
});

const port = await server.listen();
send({ id: 0, port });
