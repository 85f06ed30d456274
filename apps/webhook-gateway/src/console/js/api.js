/**
 * The admin API as the console calls it: same origin, `Authorization: Bearer <admin token>` on every call. The token
 * lives in this tab's sessionStorage only. A 401 or 404 from a collection route means the token is wrong (or the admin
 * API is switched off): the console says so and goes back to the login form.
 */

const TOKEN_KEY = 'console.admin_token';

export class ApiError extends Error {
  /** @param {number} status @param {Record<string, unknown>} body */
  constructor(status, body) {
    super(typeof body.message === 'string' ? `${body.error ?? status}: ${body.message}` : `the gateway answered ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** Thrown (and announced) when the admin API refuses the token. */
export class WrongTokenError extends Error {
  constructor() {
    super('wrong token');
  }
}

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  /** @param {string} token */
  login(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  logout() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** Listeners told when the token was refused (main.js shows the login form again). */
const onWrongToken = new Set();
/** @param {() => void} listener */
export function whenTokenRefused(listener) {
  onWrongToken.add(listener);
}

/**
 * @param {string} method
 * @param {string} path
 * @param {{ body?: unknown, itemRoute?: boolean }} [options] itemRoute: a 404 means "no such item", not a wrong token
 * @returns {Promise<any>}
 */
export async function api(method, path, options = {}) {
  const token = session.token;
  if (!token) throw refused();
  const headers = { authorization: `Bearer ${token}` };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    cache: 'no-store',
  });
  const text = await response.text();
  let body = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { message: text.slice(0, 200) };
  }
  if (response.status === 401 || (response.status === 404 && !options.itemRoute)) throw refused();
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

function refused() {
  session.logout();
  for (const listener of onWrongToken) listener();
  return new WrongTokenError();
}

/** Checks a token before keeping it: a listing any valid token may read. @param {string} token */
export async function checkToken(token) {
  const response = await fetch('/subscriptions?account_id=00000000-0000-4000-8000-000000000000', {
    headers: { authorization: `Bearer ${token}` },
    cache: 'no-store',
  });
  if (response.status === 401 || response.status === 404) return false;
  if (!response.ok) throw new Error(`the gateway answered ${response.status}`);
  return true;
}
