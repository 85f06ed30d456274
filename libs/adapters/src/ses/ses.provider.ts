import { CredentialsError, credentialField } from '../shared/credential-rules';
import { emailManualSetup, emailProviderDefaults } from '../shared/email-provider';
import type { ProviderDefinition } from '../shared/provider-definition';
import { createSesAdapter } from './ses.adapter';
import { SNS_DEV_CERTIFICATE } from './ses.development-certificate';

const EVENTS = ['Send', 'Delivery', 'Bounce', 'Complaint', 'Open', 'Click', 'DeliveryDelay', 'Reject'];

const isTopicArn = (value: unknown) => typeof value === 'string' && /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/.test(value);

/** Amazon SES through SNS: signed SNS messages, subscription confirmed automatically, set up by hand. */
export const sesProvider = {
  ...emailProviderDefaults,
  name: 'ses',
  credentialsProvider: 'ses',
  credentials: {
    prepare(input) {
      const credentials = { ...input };
      const arns = credentials.topic_arn;
      // Required: an SNS signature proves only that AWS sent a call, not that it came from this
      // channel's topic; the gateway accepts and confirms only the topics listed here.
      if (!(isTopicArn(arns) || (Array.isArray(arns) && arns.length > 0 && arns.every(isTopicArn)))) {
        throw new CredentialsError(
          credentialField('topic_arn'),
          "is required: the SNS topic ARN (or a list of them) that publishes this channel's SES events",
        );
      }
      return credentials;
    },
    serverOwnedKeys: [],
  },
  webhook: emailManualSetup(
    'ses',
    EVENTS,
    'In Amazon SES, add an SNS event destination to the configuration set with the events; in SNS, subscribe the URL to the topic with protocol HTTPS (the subscription is confirmed automatically) and store the topic ARN as topic_arn.',
  ),
  developmentFile: SNS_DEV_CERTIFICATE,
  createAdapter: createSesAdapter,
} satisfies ProviderDefinition;
