import { api } from '../api.js';
import { CHANNEL_KINDS, credentialsOf } from '../channel-types.js';
import { copyable, errorText, h, show, time } from '../dom.js';

/** Fields of a `manual` webhook state that a person pastes into the provider's console, in that order. */
const SETUP_FIELDS = [
  'url',
  'verify_token',
  'subscribe_fields',
  'incoming_message_url',
  'status_callback_url',
  'http_method',
  'provider',
  'events',
  'signature_header',
  // Only in the answer that generated it (a bridge's secret): shown once, never again.
  'webhook_secret',
];

/** The webhook state and, when a person has to act, the values to paste. @param {any} webhook */
export function webhookSetup(webhook) {
  const state = h('span', { class: `webhook-status ${webhook.status}` }, webhook.status);
  const details = [];
  if (webhook.status === 'manual') {
    if (webhook.instructions) details.push(h('p', { class: 'instructions' }, webhook.instructions));
    for (const key of SETUP_FIELDS) if (webhook[key] !== undefined && webhook[key] !== null) details.push(copyable(key, webhook[key]));
  } else if (webhook.status === 'registered')
    details.push(h('p', null, `registered ${time(webhook.registered_at)} at `, h('code', null, webhook.url)));
  else if (webhook.status === 'failed') details.push(h('p', { class: 'error' }, `failed ${time(webhook.failed_at)}: ${webhook.error}`));
  else if (webhook.status === 'unregistered') details.push(h('p', null, `unregistered ${time(webhook.unregistered_at)}`));
  return h('div', { class: 'webhook' }, h('div', null, 'Webhook: ', state), details);
}

/**
 * Channels: the account's channels with their webhook state and setup values; create one, retry its registration,
 * deactivate or activate it (PATCH is_active).
 * @param {HTMLElement} root @param {import('../main.js').PageContext} context
 */
export function channelsPage(root, { accountId }) {
  const list = h('div', { id: 'channels' }, h('p', { class: 'muted' }, 'loading…'));
  const created = h('div', { id: 'created-channel' });

  const load = async () => {
    try {
      const { channels } = await api('GET', `/channels?account_id=${accountId}`);
      if (channels.length === 0) return show(list, h('p', { class: 'muted' }, 'No channels yet.'));
      show(list, channels.map(card));
    } catch (error) {
      show(list, h('p', { class: 'error' }, errorText(error)));
    }
  };

  /** @param {any} channel */
  const card = (channel) => {
    const message = h('p', { class: 'action-result', role: 'status' });
    const act = async (label, call) => {
      message.textContent = `${label}…`;
      try {
        await call();
        message.textContent = '';
        await load();
      } catch (error) {
        message.textContent = errorText(error);
      }
    };
    return h(
      'article',
      { class: `card channel${channel.is_active ? '' : ' inactive'}`, dataset: { id: channel.id } },
      h(
        'header',
        null,
        h('strong', null, channel.name),
        h('span', { class: 'tag' }, channel.channel_type),
        h('span', { class: `status ${channel.is_active ? 'active' : 'inactive'}` }, channel.is_active ? 'active' : 'inactive'),
        h('span', { class: 'muted' }, `created ${time(channel.created_at)}`),
      ),
      h('p', { class: 'muted' }, 'id ', h('code', null, channel.id)),
      webhookSetup(channel.webhook),
      channel.connection
        ? h(
            'p',
            { class: 'connection' },
            'Connection: ',
            h('span', { class: `webhook-status ${channel.connection.status}` }, channel.connection.status),
            ` reported ${time(channel.connection.reported_at)}`,
          )
        : null,
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'register',
            disabled: !channel.is_active,
            onclick: () => act('registering', () => api('POST', `/channels/${channel.id}/register-webhook`, { itemRoute: true })),
          },
          'Retry registration',
        ),
        h(
          'button',
          {
            type: 'button',
            class: channel.is_active ? 'deactivate danger' : 'activate',
            onclick: () => {
              if (channel.is_active && !confirm(`Deactivate ${channel.name}? Its webhooks will answer 404.`)) return;
              return act(channel.is_active ? 'deactivating' : 'activating', () =>
                api('PATCH', `/channels/${channel.id}`, { body: { is_active: !channel.is_active }, itemRoute: true }),
              );
            },
          },
          channel.is_active ? 'Deactivate' : 'Activate',
        ),
      ),
      message,
    );
  };

  const kindSelect = h(
    'select',
    { name: 'kind', id: 'channel-kind' },
    CHANNEL_KINDS.map((kind) => h('option', { value: kind.id }, kind.label)),
  );
  const nameInput = h('input', { name: 'name', required: true, maxlength: 255, id: 'channel-name', autocomplete: 'off' });
  const fields = h('div', { class: 'fields', id: 'credential-fields' });
  const formError = h('p', { class: 'error', role: 'alert', id: 'channel-form-error' });
  const kindOf = () => CHANNEL_KINDS.find((kind) => kind.id === /** @type {HTMLSelectElement} */ (kindSelect).value) ?? CHANNEL_KINDS[0];
  const renderFields = () =>
    show(
      fields,
      kindOf().fields.map((field) =>
        h(
          'label',
          null,
          `${field.label}${field.required ? '' : ' (optional)'} `,
          field.multiline
            ? h('textarea', { name: field.key, required: field.required, rows: 3, placeholder: field.hint })
            : h('input', {
                name: field.key,
                type: field.secret ? 'password' : 'text',
                required: field.required,
                placeholder: field.hint,
                autocomplete: 'off',
              }),
        ),
      ),
    );
  kindSelect.addEventListener('change', renderFields);
  const form = h(
    'form',
    { class: 'card create', id: 'create-channel' },
    h('h2', null, 'New channel'),
    h('label', null, 'Type ', kindSelect),
    h('label', null, 'Name ', nameInput),
    fields,
    h('button', { type: 'submit' }, 'Create channel'),
    formError,
  );
  form.addEventListener('submit', async (submit) => {
    submit.preventDefault();
    formError.textContent = '';
    const kind = kindOf();
    const values = Object.fromEntries(new FormData(/** @type {HTMLFormElement} */ (form)).entries());
    try {
      const channel = await api('POST', '/channels', {
        body: {
          account_id: accountId,
          channel_type: kind.channelType,
          name: String(values.name).trim(),
          credentials: credentialsOf(kind, values),
        },
      });
      /** @type {HTMLFormElement} */ (form).reset();
      renderFields();
      show(
        created,
        h(
          'div',
          { class: 'card notice' },
          h('h2', null, `Created ${channel.name}`),
          h('p', null, 'Paste these values into the provider’s console:'),
          webhookSetup(channel.webhook),
        ),
      );
      await load();
    } catch (error) {
      const field = error?.body?.field && !errorText(error).includes(error.body.field) ? ` (${error.body.field})` : '';
      formError.textContent = `${errorText(error)}${field}`;
    }
  });
  renderFields();
  show(root, h('h1', null, 'Channels'), created, form, h('h2', null, 'Channels of the account'), list);
  void load();
}
