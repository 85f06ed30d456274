import { api } from '../api.js';
import { h, shortId, show } from '../dom.js';

const SHOWN = 200;

/** @param {string | null | undefined} text @param {number} length */
function cut(text, length) {
  if (!text) return '';
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

/** One line saying what the event is about. @param {{ type: string, data: Record<string, any> }} event */
export function summary(event) {
  const data = event.data ?? {};
  switch (event.type) {
    case 'message.received':
      return `from ${data.sender_name || data.sender_address || '?'}: ${cut(data.message_body, 80) || data.media_type || '(no text)'}`;
    case 'message.sent':
    case 'message.delivered':
    case 'message.read':
    case 'message.failed': {
      const error = data.error?.message ? ` — ${cut(data.error.message, 60)}` : '';
      const campaign = data.group_message_id ? ` (campaign ${shortId(data.group_message_id)})` : '';
      return `to ${data.delivery_address ?? '?'}: ${data.status ?? event.type.slice(8)}${error}${campaign}`;
    }
    case 'campaign.completed':
      return `campaign ${shortId(data.group_message_id)}: ${data.delivered_count} delivered, ${data.failed_count} failed, ${data.read_count} read of ${data.total_count}`;
    case 'webhook.test':
      return `test of subscription ${shortId(data.subscription_id)}`;
    default:
      return cut(JSON.stringify(data), 100);
  }
}

/**
 * Live: the account's events as they arrive (the stream replays what it missed after a reconnection), newest first,
 * filtered by channel.
 * @param {HTMLElement} root @param {import('../main.js').PageContext} context
 */
export function livePage(root, { accountId, stream, onLeave }) {
  /** @type {Map<string, string>} channel id → name */
  const names = new Map();
  let filter = '';
  const select = h('select', { id: 'channel-filter', 'aria-label': 'channel' });
  const rows = h('tbody', { id: 'events' });
  const count = h('span', { class: 'muted', id: 'event-count' });

  const channelLabel = (id) => (id ? (names.get(id) ?? shortId(id)) : '—');
  const options = () => {
    const seen = new Set([...names.keys(), ...stream.recent.map((item) => item.event?.data?.channel_id).filter(Boolean)]);
    show(
      select,
      h('option', { value: '' }, 'all channels'),
      [...seen].map((id) => h('option', { value: id, selected: id === filter }, channelLabel(id))),
    );
  };
  const row = ({ seq, event }) =>
    h(
      'tr',
      { dataset: { seq: String(seq), type: event.type, channel: event.data?.channel_id ?? '' } },
      h('td', { class: 'type' }, event.type),
      h('td', { class: 'time' }, new Date(event.created_at).toLocaleTimeString()),
      h('td', { class: 'channel' }, channelLabel(event.data?.channel_id)),
      h('td', { class: 'summary' }, summary(event)),
    );
  const render = () => {
    const items = stream.recent.filter((item) => !filter || item.event?.data?.channel_id === filter);
    show(rows, items.slice(-SHOWN).reverse().map(row));
    count.textContent = `${items.length} event${items.length === 1 ? '' : 's'}`;
  };

  select.addEventListener('change', () => {
    filter = /** @type {HTMLSelectElement} */ (select).value;
    render();
  });
  const onEvent = (/** @type {CustomEvent} */ message) => {
    const channel = message.detail.event?.data?.channel_id;
    if (channel && !select.querySelector(`option[value="${CSS.escape(channel)}"]`)) options();
    if (!filter || channel === filter) render();
  };
  stream.addEventListener('event', onEvent);
  onLeave(() => stream.removeEventListener('event', onEvent));

  show(
    root,
    h('h1', null, 'Live'),
    h('p', { class: 'muted' }, `Events of account ${accountId} as they happen. `, count),
    h('div', { class: 'toolbar' }, h('label', null, 'Channel ', select)),
    h(
      'table',
      { class: 'events' },
      h('thead', null, h('tr', null, h('th', null, 'type'), h('th', null, 'time'), h('th', null, 'channel'), h('th', null, 'summary'))),
      rows,
    ),
  );
  options();
  render();
  api('GET', `/channels?account_id=${accountId}`)
    .then(({ channels }) => {
      for (const channel of channels) names.set(channel.id, `${channel.name} (${channel.channel_type})`);
      options();
      render();
    })
    .catch(() => undefined);
}
