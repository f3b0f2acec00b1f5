/**
 * A person at a browser, over plain HTTP: follows redirects, keeps cookies, and submits the forms of the issuer's
 * own pages (the user-code page, its confirmation, the login and consent pages), filling in the user code and a
 * user name. No JavaScript is needed: oidc-provider's pages are plain HTML forms.
 */
export interface BrowserVisit {
  /** The user code to type where a page asks for one. */
  readonly userCode?: string;
  /** The user name to log in as (the development login takes any password). */
  readonly username: string;
  /** Stops at the first URL this accepts (after fetching it), e.g. the CLI's loopback redirect. */
  readonly until: (url: URL, body: string) => boolean;
}

interface Form {
  readonly action: URL;
  readonly method: string;
  readonly fields: URLSearchParams;
}

const attributes = (tag: string) =>
  Object.fromEntries([...tag.matchAll(/([\w:-]+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]));

function firstForm(html: string, base: URL, visit: BrowserVisit): Form | undefined {
  const match = /<form([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!match) return undefined;
  const form = attributes(match[1]!);
  const fields = new URLSearchParams();
  for (const input of match[2]!.matchAll(/<input([^>]*)>/gi)) {
    const { name, value = '' } = attributes(input[1]!);
    if (name === undefined) continue;
    if (name === 'user_code') fields.set(name, visit.userCode ?? value);
    else if (name === 'login') fields.set(name, visit.username);
    else if (name === 'password') fields.set(name, 'any password');
    else fields.set(name, value);
  }
  return {
    action: new URL(form.action ?? base.href, base),
    method: (form.method ?? 'get').toUpperCase(),
    fields,
  };
}

/** Visits `start` as described by `visit`; resolves with the last page's URL and text. */
export async function browse(start: string, visit: BrowserVisit): Promise<{ url: URL; body: string }> {
  const cookies = new Map<string, string>();
  let request: { url: URL; method: string; body?: URLSearchParams } = { url: new URL(start), method: 'GET' };
  for (let step = 0; step < 20; step++) {
    const response = await fetch(request.url, {
      method: request.method,
      redirect: 'manual',
      headers: {
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(request.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(request.body ? { body: request.body } : {}),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';', 1);
      const at = pair!.indexOf('=');
      cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    const body = await response.text();
    if (visit.until(request.url, body)) return { url: request.url, body };
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      request = { url: new URL(location, request.url), method: 'GET' };
      continue;
    }
    const form = firstForm(body, request.url, visit);
    if (response.status !== 200 || form === undefined)
      throw new Error(
        `the browser is stuck at ${request.url} (HTTP ${response.status}): ${body.slice(0, 300)}`,
      );
    request =
      form.method === 'POST'
        ? { url: form.action, method: 'POST', body: form.fields }
        : { url: new URL(`${form.action.origin}${form.action.pathname}?${form.fields}`), method: 'GET' };
  }
  throw new Error(`the browser gave up after 20 pages, at ${request.url}`);
}
