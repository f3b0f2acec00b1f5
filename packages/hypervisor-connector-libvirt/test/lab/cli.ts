/**
 * The lab by hand, for debugging (run from the repository root):
 *
 *   node --import tsx packages/hypervisor-connector-libvirt/test/lab/cli.ts up [HOSTS] [net]
 *                                                                                        start (with `net`, the
 *                                                                                        network host too), print
 *                                                                                        the facts
 *   node --import tsx packages/hypervisor-connector-libvirt/test/lab/cli.ts down [DIR]   stop the lab in DIR, or every
 *                                                                                        lab started by hand (anyone's)
 *                                                                                        and any left behind
 *   node --import tsx packages/hypervisor-connector-libvirt/test/lab/cli.ts reap DIR     stop the lab in DIR (the
 *                                                                                        watchdog's command)
 */
import { startLab } from './lab.js';
import { abandonedLabs, reapLab } from './lab-record.js';

const [command, argument, option] = process.argv.slice(2);

switch (command) {
  case 'up': {
    const lab = await startLab({
      hosts: Number(argument ?? 2),
      networkHost: option === 'net',
      detached: true,
    });
    console.log(JSON.stringify(lab.facts, null, 2));
    break;
  }
  case 'down': {
    const labs = argument === undefined ? abandonedLabs(true) : [argument];
    await Promise.all(labs.map(reapLab));
    console.log(labs.length === 0 ? 'no lab to stop' : `stopped ${labs.join(', ')}`);
    break;
  }
  case 'reap':
    if (argument === undefined) throw new Error('reap: which lab directory?');
    await reapLab(argument);
    break;
  default:
    console.error('usage: cli.ts up [HOSTS] [net] | down [DIR] | reap DIR');
    process.exitCode = 2;
}
