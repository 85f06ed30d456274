import { checkToken, session, whenTokenRefused } from './api.js';
import { errorText, h, show } from './dom.js';
import { Stream } from './stream.js';
import { campaignsPage } from './pages/campaigns.js';
import { channelsPage } from './pages/channels.js';
import { livePage } from './pages/live.js';
import { subscriptionsPage } from './pages/subscriptions.js';

const ACCOUNT_KEY = 'console.account_id';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGES = { live: livePage, campaigns: campaignsPage, channels: channelsPage, subscriptions: subscriptionsPage };

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const nav = /** @type {HTMLElement} */ (document.getElementById('nav'));
const banner = /** @type {HTMLElement} */ (document.getElementById('banner'));
const accountForm = /** @type {HTMLFormElement} */ (document.getElementById('account-form'));
const accountInput = /** @type {HTMLInputElement} */ (document.getElementById('account-id'));
const logoutButton = /** @type {HTMLButtonElement} */ (document.getElementById('logout'));

/**
 * What every page gets: the account, its stream (one socket for the whole console, kept across pages), and a way to be
 * told when the page is left.
 * @typedef {{ accountId: string, stream: Stream, onLeave: (cleanup: () => void) => void }} PageContext
 */

/** @type {Stream | undefined} */
let stream;
/** @type {Array<() => void>} */
let leaving = [];

function accountId() {
  return localStorage.getItem(ACCOUNT_KEY) ?? '';
}

function streamFor(account) {
  if (stream?.accountId === account) return stream;
  stream?.stop();
  stream = new Stream(account);
  stream.addEventListener('state', () => showBanner());
  stream.start();
  return stream;
}

function showBanner() {
  const state = stream?.state;
  banner.hidden = !stream || state === 'live';
  banner.textContent = state === 'offline' ? 'offline — reconnecting' : 'connecting…';
  banner.dataset.state = state ?? '';
}

/** @param {string} [message] */
function loginForm(message) {
  stream?.stop();
  stream = undefined;
  showBanner();
  nav.hidden = accountForm.hidden = logoutButton.hidden = true;
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'off', required: true, size: 40, id: 'token' });
  const status = h('p', { class: 'error', id: 'login-error', role: 'alert' }, message ?? '');
  const form = h(
    'form',
    { class: 'login card', id: 'login' },
    h('h1', null, 'Log in'),
    h('p', null, 'The gateway’s admin API token (ADMIN_API_TOKEN). It is kept in this tab only.'),
    h('label', null, 'Admin token ', input),
    h('button', { type: 'submit' }, 'Log in'),
    status,
  );
  form.addEventListener('submit', async (submit) => {
    submit.preventDefault();
    const token = /** @type {HTMLInputElement} */ (input).value.trim();
    status.textContent = '';
    try {
      if (!(await checkToken(token))) {
        status.textContent = 'wrong token';
        return;
      }
    } catch (error) {
      status.textContent = errorText(error);
      return;
    }
    session.login(token);
    route();
  });
  show(main, form);
  input.focus();
}

function route() {
  for (const cleanup of leaving.splice(0)) cleanup();
  if (!session.token) return loginForm();
  nav.hidden = accountForm.hidden = logoutButton.hidden = false;
  const name = location.hash.replace(/^#\/?/, '') || 'live';
  const page = PAGES[name] ?? PAGES.live;
  for (const link of nav.querySelectorAll('a')) link.classList.toggle('active', link.dataset.page === name);
  const account = accountId();
  accountInput.value = account;
  if (!UUID.test(account)) {
    show(
      main,
      h('div', { class: 'card', id: 'pick-account' }, h('h1', null, 'Pick an account'), h('p', null, 'Enter an account id above.')),
    );
    accountInput.focus();
    return;
  }
  const context = { accountId: account, stream: streamFor(account), onLeave: (cleanup) => leaving.push(cleanup) };
  showBanner();
  const section = h('section', { class: 'page', id: `page-${name}` });
  show(main, section);
  page(section, context);
}

accountForm.addEventListener('submit', (submit) => {
  submit.preventDefault();
  const value = accountInput.value.trim();
  if (!UUID.test(value)) {
    accountInput.setCustomValidity('an account id is a UUID');
    accountInput.reportValidity();
    return;
  }
  accountInput.setCustomValidity('');
  localStorage.setItem(ACCOUNT_KEY, value);
  route();
});
logoutButton.addEventListener('click', () => {
  session.logout();
  loginForm();
});
whenTokenRefused(() => loginForm('wrong token'));
window.addEventListener('hashchange', route);
route();
