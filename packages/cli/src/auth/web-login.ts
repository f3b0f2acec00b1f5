import * as oidc from 'openid-client';
import { CliError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import type { LoginPrompt } from './device-login.js';
import { listenForRedirect } from './loopback-redirect.js';
import type { LoginInfo } from './server-info.js';

/** How long the browser login may take. */
const TIMEOUT_MS = 5 * 60_000;

/**
 * The authorization code flow with PKCE (S256) and a loopback redirect (RFC 8252): prints the authorization URL,
 * opens it in the default browser unless `openBrowser` is false, and exchanges the code the browser brings back
 * to `http://127.0.0.1:<port>/callback` (state checked) for tokens.
 */
export async function webLogin(
  config: oidc.Configuration,
  login: LoginInfo,
  prompt: LoginPrompt,
  openBrowser: boolean,
): Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers> {
  const redirect = await listenForRedirect();
  try {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirect.redirectUri,
      scope: login.scope,
      resource: login.audience,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      // OpenID Connect Core §11: a refresh token (offline_access) is granted after consent.
      ...(login.scope.split(' ').includes('offline_access') ? { prompt: 'consent' } : {}),
    });
    const { colors: c } = prompt;
    prompt.stderr.write(`Open this URL in a browser to log in:\n  ${c.cyan(url.href)}\n`);
    if (openBrowser) {
      const { default: open } = await import('open');
      await open(url.href).catch(() => prompt.stderr.write(c.dim('(could not open a browser)\n')));
    }
    prompt.stderr.write(c.dim('Waiting for the browser…\n'));
    const callback = await Promise.race([
      redirect.callback,
      new Promise<never>((_, reject) => {
        const timer = setTimeout(
          () => reject(new CliError('no answer from the browser in 5 minutes', EXIT.unauthenticated)),
          TIMEOUT_MS,
        );
        timer.unref();
        prompt.signal.addEventListener(
          'abort',
          () => reject(new CliError('login interrupted', EXIT.interrupted)),
          {
            once: true,
          },
        );
      }),
    ]);
    if (callback.searchParams.has('error')) {
      const reason = callback.searchParams.get('error_description') ?? callback.searchParams.get('error');
      throw new CliError(`the issuer refused the login: ${reason}`, EXIT.unauthenticated);
    }
    try {
      return await oidc.authorizationCodeGrant(
        config,
        callback,
        { pkceCodeVerifier: verifier, expectedState: state },
        { resource: login.audience },
      );
    } catch (error) {
      throw new CliError(`login failed: ${(error as Error).message}`, EXIT.unauthenticated);
    }
  } finally {
    redirect.close();
  }
}
