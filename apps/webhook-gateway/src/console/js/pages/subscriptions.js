import { api } from '../api.js';
import { EVENT_TYPES } from '../contracts.js';
import { copyable, errorText, h, shortId, show, time } from '../dom.js';

/** @param {any} answer the test route's answer */
function testAnswer(answer) {
  return h(
    'div',
    { class: `test-answer ${answer.ok ? 'ok' : 'failed'}` },
    h(
      'p',
      null,
      h('strong', null, answer.ok ? 'The endpoint accepted the test' : 'The test failed'),
      ` — status ${answer.response_status ?? 'none'}, ${answer.duration_ms} ms`,
      answer.error ? ` — ${answer.error}` : '',
    ),
    answer.response_body !== null && answer.response_body !== undefined
      ? h('pre', { class: 'response-body' }, answer.response_body || '(empty body)')
      : null,
  );
}

/** @param {any} delivery */
function attemptsTable(delivery) {
  return h(
    'table',
    { class: 'attempts' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['#', 'started', 'status', 'duration', 'error', 'answer'].map((label) => h('th', null, label)),
      ),
    ),
    h(
      'tbody',
      null,
      (delivery.attempts_log ?? []).map((attempt) =>
        h(
          'tr',
          null,
          h('td', null, attempt.attempt),
          h('td', null, time(attempt.started_at)),
          h('td', null, attempt.response_status ?? '—'),
          h('td', null, attempt.duration_ms === null ? '—' : `${attempt.duration_ms} ms`),
          h('td', null, attempt.error ? `${attempt.error_class ?? ''} ${attempt.error}` : ''),
          h('td', null, h('code', null, (attempt.response_body ?? '').slice(0, 200))),
        ),
      ),
    ),
  );
}

/**
 * The delivery log of one subscription, newest first, a page at a time; each delivery opens to its attempts and can be
 * sent again.
 * @param {any} subscription
 */
function deliveryLog(subscription) {
  const rows = h('tbody');
  const more = h('button', { type: 'button', class: 'more', hidden: true }, 'Older deliveries');
  const message = h('p', { class: 'action-result', role: 'status' });
  /** @type {string | null} */
  let cursor = null;

  const row = (delivery) => {
    const detail = h('tr', { class: 'detail', hidden: true }, h('td', { colspan: 6 }));
    const open = async () => {
      if (!detail.hidden) return (detail.hidden = true);
      try {
        const full = await api('GET', `/deliveries/${delivery.id}`, { itemRoute: true });
        show(/** @type {HTMLElement} */ (detail.firstElementChild), attemptsTable(full));
        detail.hidden = false;
      } catch (error) {
        message.textContent = errorText(error);
      }
    };
    const redeliver = async () => {
      try {
        const queued = await api('POST', `/deliveries/${delivery.id}/redeliver`, { itemRoute: true });
        status.textContent = queued.status;
        message.textContent = `delivery ${shortId(delivery.id)} queued again`;
      } catch (error) {
        message.textContent = errorText(error);
      }
    };
    const status = h('span', { class: `status ${delivery.status}` }, delivery.status);
    return [
      h(
        'tr',
        { dataset: { id: delivery.id } },
        h('td', null, time(delivery.created_at)),
        h('td', null, delivery.event_type),
        h('td', null, status),
        h('td', null, delivery.attempts),
        h('td', null, delivery.response_status ?? delivery.error_class ?? '—'),
        h(
          'td',
          null,
          h('button', { type: 'button', class: 'attempts-button', onclick: open }, 'Attempts'),
          h('button', { type: 'button', class: 'redeliver', onclick: redeliver }, 'Redeliver'),
        ),
      ),
      detail,
    ];
  };
  const load = async (reset) => {
    if (reset) {
      cursor = null;
      rows.replaceChildren();
    }
    try {
      const query = new URLSearchParams({ limit: '20', ...(cursor ? { cursor } : {}) });
      const page = await api('GET', `/subscriptions/${subscription.id}/deliveries?${query}`, { itemRoute: true });
      for (const delivery of page.deliveries) rows.append(...row(delivery));
      if (rows.children.length === 0) rows.append(h('tr', null, h('td', { colspan: 6, class: 'muted' }, 'No deliveries yet.')));
      cursor = page.next_cursor;
      more.hidden = !cursor;
    } catch (error) {
      message.textContent = errorText(error);
    }
  };
  more.addEventListener('click', () => load(false));
  const redeliverDead = async () => {
    try {
      const { redelivered } = await api('POST', `/subscriptions/${subscription.id}/redeliver`, {
        body: { status: 'dead' },
        itemRoute: true,
      });
      message.textContent = `${redelivered} dead deliver${redelivered === 1 ? 'y' : 'ies'} queued again`;
      await load(true);
    } catch (error) {
      message.textContent = errorText(error);
    }
  };
  const element = h(
    'div',
    { class: 'deliveries' },
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', class: 'refresh', onclick: () => load(true) }, 'Refresh'),
      h('button', { type: 'button', class: 'redeliver-dead', onclick: redeliverDead }, 'Redeliver all dead'),
    ),
    h(
      'table',
      { class: 'delivery-log' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['created', 'event', 'status', 'attempts', 'last answer', ''].map((label) => h('th', null, label)),
        ),
      ),
      rows,
    ),
    more,
    message,
  );
  return { element, load };
}

/**
 * Subscriptions: create one (its secret shown once), test it, read its delivery log and redeliver.
 * @param {HTMLElement} root @param {import('../main.js').PageContext} context
 */
export function subscriptionsPage(root, { accountId }) {
  const list = h('div', { id: 'subscriptions' }, h('p', { class: 'muted' }, 'loading…'));
  const secretBox = h('div', { id: 'new-secret' });

  /** @param {any} subscription */
  const card = (subscription) => {
    const result = h('div', { class: 'test-result', role: 'status' });
    const log = deliveryLog(subscription);
    const logBox = h('div', { class: 'log', hidden: true }, log.element);
    const runTest = async (click) => {
      const button = /** @type {HTMLButtonElement} */ (click.currentTarget);
      button.disabled = true;
      show(result, h('p', { class: 'muted' }, 'sending a webhook.test event…'));
      try {
        show(result, testAnswer(await api('POST', `/subscriptions/${subscription.id}/test`, { body: {}, itemRoute: true })));
        if (!logBox.hidden) await log.load(true);
      } catch (error) {
        show(result, h('p', { class: 'error' }, errorText(error)));
      } finally {
        button.disabled = false;
      }
    };
    const toggleLog = async () => {
      logBox.hidden = !logBox.hidden;
      if (!logBox.hidden) await log.load(true);
    };
    return h(
      'article',
      { class: `card subscription${subscription.enabled ? '' : ' disabled'}`, dataset: { id: subscription.id } },
      h(
        'header',
        null,
        h('strong', null, subscription.url),
        h('span', { class: `status ${subscription.enabled ? 'active' : 'inactive'}` }, subscription.enabled ? 'enabled' : 'disabled'),
        subscription.disabled_reason ? h('span', { class: 'error' }, subscription.disabled_reason) : null,
      ),
      h(
        'p',
        { class: 'muted' },
        subscription.description ?? '',
        ` events: ${subscription.events.join(', ')} · created ${time(subscription.created_at)}`,
      ),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'test', onclick: runTest }, 'Send test'),
        h('button', { type: 'button', class: 'show-log', onclick: toggleLog }, 'Delivery log'),
      ),
      result,
      logBox,
    );
  };

  const load = async () => {
    try {
      const { subscriptions } = await api('GET', `/subscriptions?account_id=${accountId}`);
      if (subscriptions.length === 0) return show(list, h('p', { class: 'muted' }, 'No subscriptions yet.'));
      show(list, subscriptions.map(card));
    } catch (error) {
      show(list, h('p', { class: 'error' }, errorText(error)));
    }
  };

  const formError = h('p', { class: 'error', role: 'alert', id: 'subscription-form-error' });
  const form = h(
    'form',
    { class: 'card create', id: 'create-subscription' },
    h('h2', null, 'New subscription'),
    h('label', null, 'URL ', h('input', { name: 'url', type: 'url', required: true, size: 50, placeholder: 'https://…' })),
    h('label', null, 'Description ', h('input', { name: 'description', maxlength: 500 })),
    h(
      'fieldset',
      { class: 'events' },
      h('legend', null, 'Events'),
      h('label', null, h('input', { type: 'checkbox', name: 'events', value: '*' }), ' every type (*)'),
      EVENT_TYPES.map((type) =>
        h('label', null, h('input', { type: 'checkbox', name: 'events', value: type, checked: type === 'message.received' }), ` ${type}`),
      ),
    ),
    h('label', null, h('input', { type: 'checkbox', name: 'enabled', checked: true }), ' enabled'),
    h('button', { type: 'submit' }, 'Create subscription'),
    formError,
  );
  form.addEventListener('submit', async (submit) => {
    submit.preventDefault();
    formError.textContent = '';
    const data = new FormData(/** @type {HTMLFormElement} */ (form));
    const events = data.getAll('events').map(String);
    if (events.length === 0) {
      formError.textContent = 'pick at least one event';
      return;
    }
    const description = String(data.get('description') ?? '').trim();
    try {
      const created = await api('POST', '/subscriptions', {
        body: {
          account_id: accountId,
          url: String(data.get('url')).trim(),
          events: events.includes('*') ? ['*'] : events,
          description: description || null,
          enabled: data.get('enabled') !== null,
        },
      });
      show(
        secretBox,
        h(
          'div',
          { class: 'card notice' },
          h('h2', null, 'Signing secret'),
          h('p', null, 'Shown this once: copy it into the receiver now. A rotation makes a new one.'),
          copyable('secret', created.secret),
        ),
      );
      /** @type {HTMLFormElement} */ (form).reset();
      await load();
    } catch (error) {
      const field = error?.body?.field && !errorText(error).includes(error.body.field) ? ` (${error.body.field})` : '';
      formError.textContent = `${errorText(error)}${field}`;
    }
  });

  show(root, h('h1', null, 'Subscriptions'), secretBox, form, h('h2', null, 'Subscriptions of the account'), list);
  void load();
}
