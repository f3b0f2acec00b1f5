import * as oidc from 'openid-client';
import { CliError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import type { OutputStream } from '../io.js';
import type { Colors } from '../output/colors.js';
import type { LoginInfo } from './server-info.js';

/** Where a login talks to the user: the device-code prompt, the URL to open. */
export interface LoginPrompt {
  readonly stderr: OutputStream;
  readonly colors: Colors;
  readonly signal: AbortSignal;
}

/**
 * The OAuth 2.0 device authorization grant (RFC 8628): asks the issuer for a user code, tells the user where to
 * enter it, then polls the token endpoint (at the issuer's interval, slowing down when told) until the user
 * approves, denies, or the code expires. The device code itself is never shown.
 */
export async function deviceLogin(
  config: oidc.Configuration,
  login: LoginInfo,
  prompt: LoginPrompt,
): Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers> {
  if (config.serverMetadata().device_authorization_endpoint === undefined) {
    throw new CliError(
      `the issuer ${login.issuer} offers no device login`,
      EXIT.unauthenticated,
      'try `hvc login --web`',
    );
  }
  const resource = { resource: login.audience };
  const device = await oidc.initiateDeviceAuthorization(config, { scope: login.scope, ...resource });
  const { colors: c } = prompt;
  const minutes = Math.round(device.expires_in / 60);
  prompt.stderr.write(
    `${c.yellow('!')} First copy your one-time code: ${c.bold(device.user_code)}\n` +
      `Then open ${c.cyan(device.verification_uri)} in a browser and enter it` +
      (device.verification_uri_complete === undefined
        ? '.\n'
        : `, or open ${c.cyan(device.verification_uri_complete)}\n`) +
      c.dim(`Waiting for approval (the code expires in ${minutes} minute${minutes === 1 ? '' : 's'})…\n`),
  );
  try {
    return await oidc.pollDeviceAuthorizationGrant(config, device, resource, { signal: prompt.signal });
  } catch (error) {
    if (prompt.signal.aborted) throw new CliError('login interrupted', EXIT.interrupted);
    const code = (error as { error?: string }).error;
    if (code === 'access_denied') throw new CliError('the login was denied', EXIT.unauthenticated);
    if (code === 'expired_token')
      throw new CliError(
        'the code expired before it was entered',
        EXIT.unauthenticated,
        'run `hvc login` again',
      );
    throw new CliError(`login failed: ${(error as Error).message}`, EXIT.unauthenticated);
  }
}
