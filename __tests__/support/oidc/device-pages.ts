import type { DeviceTarget } from './types';

/**
 * The end user's side of the device flow (RFC 8628 §3.3), played on oidc-provider's OWN pages
 * over HTTP, as a browser would: the user-code page (an auto-submitting form_post with an xsrf
 * field, or the code input form), the confirmation form, then devInteractions' login (any name,
 * any password) and consent, until the "Sign-in Success" page. Denying submits the
 * confirmation form's abort button instead, which marks the device code access_denied.
 * Redirects are followed by hand (redirect: 'manual') so that a small cookie jar can carry the
 * provider's session and interaction cookies, each sent only on its own path.
 */

const STEP_TIMEOUT_MS = 5_000;
const MAX_STEPS = 12;

interface Form {
  id?: string;
  action: string;
  method: string;
  fields: Record<string, string>;
}

class CookieJar {
  /** name + path → value; the provider scopes the interaction cookies to their uid's path. */
  private readonly cookies = new Map<string, { name: string; value: string; path: string }>();

  store(setCookies: string[]): void {
    for (const header of setCookies) {
      const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let cookiePath = '/';
      let expired = value === '';
      for (const attribute of attributes) {
        const [key = '', ...rest] = attribute.split('=');
        const attributeValue = rest.join('=');
        if (key.toLowerCase() === 'path') cookiePath = attributeValue || '/';
        if (key.toLowerCase() === 'expires' && Date.parse(attributeValue) <= Date.now()) expired = true;
        if (key.toLowerCase() === 'max-age' && Number(attributeValue) <= 0) expired = true;
      }
      const key = `${name}\u0000${cookiePath}`;
      if (expired) this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path: cookiePath });
    }
  }

  header(url: URL): string {
    return [...this.cookies.values()]
      .filter(({ path }) => url.pathname === path || url.pathname.startsWith(path.endsWith('/') ? path : `${path}/`))
      .map(({ name, value }) => `${name}=${value}`)
      .join('; ');
  }
}

const decode = (value: string): string =>
  value.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, entity: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" })[entity] ?? '');

function attributesOf(tag: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of tag.matchAll(/([\w.-]+)="([^"]*)"/g)) attributes[match[1] ?? ''] = decode(match[2] ?? '');
  return attributes;
}

/** The page's forms with their named inputs (hidden or not; typed values are filled in by the caller). */
function formsOf(html: string, base: URL): Form[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)].map(([, open = '', inner = '']) => {
    const attributes = attributesOf(open);
    const fields: Record<string, string> = {};
    for (const [input = ''] of inner.matchAll(/<input\b[^>]*>/g)) {
      const { name, value } = attributesOf(input);
      if (name) fields[name] = value ?? '';
    }
    return { ...(attributes['id'] ? { id: attributes['id'] } : {}), action: new URL(attributes['action'] ?? base.href, base).href, method: (attributes['method'] ?? 'get').toUpperCase(), fields };
  });
}

/** What the provider's error pages say (renderError's <pre> lines, the device pages' red notice). */
function complaintOf(html: string): string {
  const lines = [...html.matchAll(/<pre><strong>([^<]*)<\/strong>: ([^<]*)<\/pre>/g)].map(([, key, value]) => `${key}: ${decode(value ?? '')}`);
  const notice = /<p class="red">([^<]*)<\/p>/.exec(html)?.[1];
  return [...lines, ...(notice ? [notice] : [])].join('; ') || html.replace(/\s+/g, ' ').slice(0, 300);
}

export async function driveDevicePages(target: DeviceTarget, options: { action: 'approve' | 'deny'; login?: string }): Promise<void> {
  const jar = new CookieJar();
  const userCode = typeof target === 'string' ? new URL(target).searchParams.get('user_code') ?? undefined : target.userCode;
  let request: { url: string; method: string; body?: URLSearchParams } = { url: typeof target === 'string' ? target : target.verificationUri, method: 'GET' };
  let codeSubmitted = false;
  let aborted = false;

  for (let step = 0; step < MAX_STEPS; step += 1) {
    const url = new URL(request.url);
    const response = await fetch(url, {
      method: request.method,
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        cookie: jar.header(url),
        ...(request.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(request.body ? { body: request.body.toString() } : {}),
      signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
    });
    jar.store(response.headers.getSetCookie());
    const html = await response.text();
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      request = { url: new URL(location, url).href, method: 'GET' };
      continue;
    }
    if (response.status !== 200) throw new Error(`device pages: ${request.method} ${url.pathname} answered ${response.status}: ${complaintOf(html)}`);
    if (html.includes('Sign-in Success')) {
      if (options.action === 'approve') return;
      throw new Error('device pages: the request was approved instead of denied');
    }

    const forms = formsOf(html, url);
    const input = forms.find((form) => form.id === 'op.deviceInputForm');
    const confirm = forms.find((form) => form.id === 'op.deviceConfirmForm');
    const login = forms.find((form) => form.fields['prompt'] === 'login');
    const consent = forms.find((form) => form.fields['prompt'] === 'consent');
    const autoPost = forms.length === 1 && html.includes('<title>Submitting Callback</title>') ? forms[0] : undefined;
    let next: { form: Form; fields: Record<string, string> } | undefined;

    if (input) {
      // The abort re-renders the input page with "The Sign-in request was interrupted": denied.
      if (aborted && html.includes('The Sign-in request was interrupted')) return;
      if (codeSubmitted || !userCode) throw new Error(`device pages: the code was not accepted: ${complaintOf(html)}`);
      codeSubmitted = true;
      next = { form: input, fields: { user_code: userCode } };
    } else if (autoPost) {
      codeSubmitted = true;
      next = { form: autoPost, fields: {} };
    } else if (confirm) {
      // The abort button (name=abort) submits the same form; the provider checks abort before confirm.
      aborted = options.action === 'deny';
      next = { form: confirm, fields: aborted ? { abort: 'yes' } : {} };
    } else if (login) {
      next = { form: login, fields: { login: options.login ?? 'device-user', password: 'any' } };
    } else if (consent) {
      next = { form: consent, fields: {} };
    } else {
      throw new Error(`device pages: unexpected page at ${url.pathname}: ${complaintOf(html)}`);
    }
    request = { url: next.form.action, method: next.form.method, body: new URLSearchParams({ ...next.form.fields, ...next.fields }) };
  }
  throw new Error(`device pages: no end after ${MAX_STEPS} pages`);
}
