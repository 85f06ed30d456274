import { api } from '../api.js';
import { errorText, h, shortId, show, time } from '../dom.js';

/** Events after which a campaign's counters may have moved. */
const MOVES_COUNTERS = new Set(['message.delivered', 'message.read', 'message.failed', 'campaign.completed']);
/** Several events in a burst cause one fetch. */
const REFETCH_AFTER_MS = 200;

/** @param {string} kind @param {number} value @param {number} total */
function bar(kind, value, total) {
  const percent = total > 0 ? Math.round((value / total) * 100) : 0;
  return h(
    'div',
    { class: `bar ${kind}` },
    h('span', { class: 'label' }, kind),
    h('progress', { max: Math.max(total, 1), value, dataset: { kind }, 'aria-label': `${kind} ${value} of ${total}` }),
    h('span', { class: 'count', dataset: { kind } }, `${value} / ${total} (${percent}%)`),
  );
}

/**
 * Campaigns: the account's group messages (newest 100) with delivered, failed and read of total as bars, fetched again
 * when the stream reports a status change or a completed campaign.
 * @param {HTMLElement} root @param {import('../main.js').PageContext} context
 */
export function campaignsPage(root, { accountId, stream, onLeave }) {
  const list = h('div', { id: 'campaigns' }, h('p', { class: 'muted' }, 'loading…'));
  const updated = h('span', { class: 'muted', id: 'campaigns-updated' });
  /** @type {Map<string, string>} */
  const names = new Map();
  let timer;

  const render = (campaigns) => {
    if (campaigns.length === 0) return show(list, h('p', { class: 'muted' }, 'No campaigns for this account.'));
    show(
      list,
      campaigns.map((campaign) =>
        h(
          'article',
          { class: `card campaign ${campaign.status}`, dataset: { id: campaign.id } },
          h(
            'header',
            null,
            h('strong', null, `Campaign ${shortId(campaign.id)}`),
            h('span', { class: `status ${campaign.status}` }, campaign.status),
            h('span', { class: 'muted' }, `channel ${names.get(campaign.channel_id) ?? shortId(campaign.channel_id)}`),
            h('span', { class: 'muted' }, `started ${time(campaign.created_at)}, updated ${time(campaign.updated_at)}`),
          ),
          bar('delivered', campaign.delivered_count, campaign.total_count),
          bar('failed', campaign.failed_count, campaign.total_count),
          bar('read', campaign.read_count, campaign.total_count),
        ),
      ),
    );
  };
  const load = async () => {
    try {
      const { campaigns } = await api('GET', `/campaigns?account_id=${accountId}`);
      render(campaigns);
      updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      show(list, h('p', { class: 'error' }, errorText(error)));
    }
  };
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(load, REFETCH_AFTER_MS);
  };
  const onEvent = (/** @type {CustomEvent} */ message) => {
    if (MOVES_COUNTERS.has(message.detail.event?.type)) soon();
  };
  // Back online after a cut: what moved meanwhile is replayed as events, but one fetch is cheaper than waiting for them.
  const onState = () => stream.state === 'live' && soon();
  stream.addEventListener('event', onEvent);
  stream.addEventListener('state', onState);
  stream.addEventListener('resync', soon);
  onLeave(() => {
    clearTimeout(timer);
    stream.removeEventListener('event', onEvent);
    stream.removeEventListener('state', onState);
    stream.removeEventListener('resync', soon);
  });

  show(
    root,
    h('h1', null, 'Campaigns'),
    h('p', { class: 'muted' }, 'Group messages of the account, newest first, with their counters moving live. ', updated),
    list,
  );
  api('GET', `/channels?account_id=${accountId}`)
    .then(({ channels }) => channels.forEach((channel) => names.set(channel.id, channel.name)))
    .catch(() => undefined)
    .finally(load);
}
