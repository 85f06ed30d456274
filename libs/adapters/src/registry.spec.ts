import { CHANNEL_TYPES } from '@inbound/contracts';
import fc from 'fast-check';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AdapterRegistry,
  credentialsProvidersOf,
  mergeChannelCredentials,
  prepareChannelCredentials,
  PROVIDER_DEFINITIONS,
  providerDefinitionFor,
  providerDefinitionsOf,
} from './registry';
import type { ChannelCredentials, WebhookRequest } from './shared/adapter.types';
import { CredentialsError, type Credentials } from './shared/credential-rules';
import { UNCHECKED_REQUEST_DETAIL, UNREAD_PAYLOAD_DETAIL } from './shared/guarded-adapter';
import { shownOnceKeys, webhookSetupFor, type ProviderDefinition } from './shared/provider-definition';
import { everyEventValid, SPEC_RECEIVED_AT, specChannel } from './shared/testing/adapter-spec-support';

/**
 * The contract every registered provider meets, run over each definition: a provider added to
 * the registry is held to it without a spec of its own. Provider-specific behaviour (exact
 * events, signature schemes) stays in each folder's specs.
 */

const deps = { now: () => new Date(), httpGetText: () => Promise.reject(new Error('no network in specs')) };

/** Header names the providers sign with, so arbitrary calls reach past the "missing header" check. */
const headerName = fc.oneof(
  fc.constantFrom(
    'content-type',
    'authorization',
    'x-hub-signature-256',
    'x-telegram-bot-api-secret-token',
    'x-twilio-signature',
    'svix-id',
    'svix-timestamp',
    'svix-signature',
    'x-twilio-email-event-webhook-signature',
    'x-twilio-email-event-webhook-timestamp',
    'x-amz-sns-message-type',
    'x-webhook-signature',
    'x-unipile-webhook-secret',
  ),
  fc.string(),
);
const headers = fc.dictionary(headerName, fc.oneof(fc.string(), fc.array(fc.string()), fc.constant(undefined)), { maxKeys: 6 });
const contentType = fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', '');

/** Credential names the providers read, and any others, with any values. */
const credentialName = fc.oneof(
  fc.constantFrom(
    'provider',
    'bot_token',
    'webhook_secret',
    'previous_webhook_secret',
    'previous_webhook_secret_expires_at',
    'app_secret',
    'verify_token',
    'phone_number_id',
    'page_id',
    'account_sid',
    'auth_token',
    'phone_number_sid',
    'messaging_service_sid',
    'app_id',
    'app_access_token',
    'verification_key',
    'topic_arn',
    'signing_key',
    'basic_auth_username',
    'basic_auth_password',
    'api_key',
    'domain',
    'server_token',
    'registered_webhook_secret',
    'registered_verification_key',
    'registered_signing_key',
    'api_url',
    'account_ids',
    'webhook_id',
  ),
  fc.string(),
);
const credentialValue = fc.oneof({ weight: 3, arbitrary: fc.string() }, fc.anything());
const credentialsLike = fc.dictionary(credentialName, credentialValue, { maxKeys: 6 });

function request(
  definition: ProviderDefinition,
  rawBody: Uint8Array | string,
  requestHeaders: WebhookRequest['headers'] = {},
  url?: string,
): WebhookRequest {
  return {
    method: 'POST',
    url: url ?? `https://hooks.example.com/webhooks/${definition.channelType}/0b9f7a4e-2c1d-4e8f-9a6b-3c5d7e9f1a2b`,
    headers: requestHeaders,
    rawBody: Buffer.from(rawBody),
  };
}

/** The credentials that pick this definition among its channel type's providers. */
function selecting(definition: ProviderDefinition, credentials: Credentials): Credentials {
  return definition.credentialsProvider === null ? credentials : { ...credentials, provider: definition.credentialsProvider };
}

/** A folder's `fixtures/*.json` are whole call bodies; pieces a provider's own spec assembles sit in subfolders. */
function fixtureFiles(definition: ProviderDefinition): string[] {
  const directory = join(__dirname, definition.name, 'fixtures');
  return existsSync(directory)
    ? readdirSync(directory)
        .filter((file) => file.endsWith('.json'))
        .map((file) => join(directory, file))
    : [];
}

describe('the provider registry', () => {
  it('names each provider once, after its folder', () => {
    const names = PROVIDER_DEFINITIONS.map((definition) => definition.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(existsSync(join(__dirname, name, `${name}.provider.ts`))).toBe(true);
  });

  it.each([...CHANNEL_TYPES])('%s channels have one provider, or several each picked by credentials.provider', (channelType) => {
    const definitions = providerDefinitionsOf(channelType);
    expect(definitions.length).toBeGreaterThan(0);
    if (definitions.length === 1 && definitions[0].credentialsProvider === null) return;
    const selectors = definitions.map((definition) => definition.credentialsProvider);
    expect(selectors).not.toContain(null);
    expect(new Set(selectors).size).toBe(selectors.length);
    expect(credentialsProvidersOf(channelType)).toEqual(selectors);
  });

  it('resolves each provider from its channel type and credentials, and nothing from an unknown credentials.provider', () => {
    const registry = new AdapterRegistry(deps);
    for (const definition of PROVIDER_DEFINITIONS) {
      expect(providerDefinitionFor(definition.channelType, selecting(definition, {}))).toBe(definition);
      expect(registry.resolve(definition.channelType, selecting(definition, {}))?.provider).toBe(definition.name);
      if (definition.credentialsProvider !== null) {
        expect(registry.resolve(definition.channelType, { provider: 'no-such-provider' })).toBeUndefined();
        expect(registry.resolve(definition.channelType, { provider: 'toString' })).toBeUndefined();
      }
    }
  });
});

describe.each(PROVIDER_DEFINITIONS.map((definition) => [definition.name, definition] as const))(
  '%s meets the adapter contract',
  (_name, definition) => {
    const adapter = definition.createAdapter(deps);
    const channel = specChannel(definition.channelType);

    it('verify answers a value for any bytes, URL, headers and credentials, and never needs the safety net', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array(),
          headers,
          fc.anything(),
          fc.option(fc.oneof(fc.webUrl({ withQueryParameters: true }), fc.string())),
          async (body, requestHeaders, credentials, url) => {
            const result = await adapter.verify(
              request(definition, body, requestHeaders, url ?? undefined),
              credentials as ChannelCredentials,
            );
            return typeof result.ok === 'boolean' && (result.ok || result.detail !== UNCHECKED_REQUEST_DETAIL);
          },
        ),
      );
    });

    it('parse answers a value for any bytes, and every event it makes is valid', () => {
      fc.assert(
        fc.property(fc.uint8Array(), contentType, (body, type) => {
          const result = adapter.parse(request(definition, body, { 'content-type': type }), channel, SPEC_RECEIVED_AT);
          return everyEventValid(result) && (result.ok || result.error.detail !== UNREAD_PAYLOAD_DETAIL);
        }),
      );
    });

    it('parse answers a value for any JSON, and every event it makes is valid', () => {
      fc.assert(
        fc.property(fc.json(), (json) => {
          const result = adapter.parse(request(definition, json, { 'content-type': 'application/json' }), channel, SPEC_RECEIVED_AT);
          return everyEventValid(result) && (result.ok || result.error.detail !== UNREAD_PAYLOAD_DETAIL);
        }),
      );
    });

    it('parses every fixture in its folder into valid events', () => {
      const files = fixtureFiles(definition);
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        const result = adapter.parse(
          request(definition, readFileSync(file), { 'content-type': 'application/json' }),
          channel,
          SPEC_RECEIVED_AT,
        );
        expect({ file, ok: result.ok }).toEqual({ file, ok: true });
        expect(everyEventValid(result)).toBe(true);
      }
    });

    it('refuses credentials only with a CredentialsError naming the field', () => {
      const refusal = (credentials: Credentials): CredentialsError | undefined => {
        try {
          prepareChannelCredentials(definition.channelType, selecting(definition, credentials));
          return undefined;
        } catch (error) {
          if (error instanceof CredentialsError) return error;
          throw error;
        }
      };
      const namesField = (error: CredentialsError) =>
        /^credentials\.[a-z_]+$/.test(error.field) && error.message.startsWith(`${error.field} `);
      // Every provider requires something, or generates what it needs (shown once by the setup answer).
      const empty = refusal({});
      if (empty === undefined) {
        const generated = prepareChannelCredentials(definition.channelType, selecting(definition, {}));
        const shownOnce = shownOnceKeys(webhookSetupFor(definition.webhook, generated));
        expect(shownOnce.length).toBeGreaterThan(0);
        for (const key of shownOnce) expect(typeof generated[key]).toBe('string');
      } else {
        expect(namesField(empty)).toBe(true);
      }
      fc.assert(
        fc.property(credentialsLike, (credentials) => {
          const error = refusal(credentials);
          return error === undefined || namesField(error);
        }),
      );
    });

    it("keeps the keys the server owns out of callers' hands", () => {
      for (const key of definition.credentials.serverOwnedKeys) {
        const stored = { [key]: 'set by the server' };
        let refused: unknown;
        try {
          prepareChannelCredentials(definition.channelType, selecting(definition, { [key]: 'set by a caller' }));
        } catch (error) {
          refused = error;
        }
        expect(refused).toBeInstanceOf(CredentialsError);
        expect((refused as CredentialsError).field).not.toBe('');
        // A merge carries the stored value over whatever else the patch is.
        let merged: Credentials | undefined;
        try {
          merged = mergeChannelCredentials(definition.channelType, selecting(definition, stored), {});
        } catch (error) {
          expect(error).toBeInstanceOf(CredentialsError);
        }
        if (merged) expect(merged[key]).toBe('set by the server');
      }
    });
  },
);
