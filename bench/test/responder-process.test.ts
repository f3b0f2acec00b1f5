import { describe, expect, it } from 'vitest';
import { ResponderProcess } from '../src/responder/responder-process.js';
import { createBenchCertificate } from '../src/tls/bench-certificate.js';

describe('ResponderProcess', () => {
  it('answers stats and reset, closes, then rejects a command instead of waiting for it', async () => {
    const responder = await ResponderProcess.start({ guests: 10, nodes: 1 }, await createBenchCertificate());
    await responder.reset();
    expect((await responder.stats()).requests).toBe(0);
    await responder.close();
    await expect(responder.stats()).rejects.toThrow(
      'the responder process exited (code 0): stats was not sent',
    );
    // Closing again returns at once.
    await responder.close();
  });
});
