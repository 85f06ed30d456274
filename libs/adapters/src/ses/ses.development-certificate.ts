import { X509Certificate } from 'node:crypto';
import type { DevelopmentFileSetting } from '../shared/provider-definition';
/**
 * Development only: how a local SNS stand-in (`npm run simulate -- ses`) gets its messages
 * verified without AWS. The gateway is given a locally made certificate (SNS_DEV_CERTIFICATE_FILE,
 * refused in production) and trusts it for messages whose SigningCertURL is this URL, besides
 * AWS's own certificates. The URL is never fetched: the certificate store serves the configured
 * PEM for it, and a `.localhost` name cannot reach a host on the internet anyway.
 */
export const SNS_DEV_CERTIFICATE_URL = 'https://sns.localhost/SimpleNotificationService-development.pem';

/**
 * The gateway's setting for it (declared by the SES provider, read generically): a certificate trusted besides AWS's lets
 * whoever holds its key forge SES events, hence development and tests only.
 */
export const SNS_DEV_CERTIFICATE: DevelopmentFileSetting = {
  variable: 'SNS_DEV_CERTIFICATE_FILE',
  meaning:
    "a locally made SNS signing certificate trusted besides AWS's, for SES notifications signed on this machine (`npm run simulate -- ses`; docs/PROVIDERS.md); `npm start` makes one",
  problem(content) {
    try {
      new X509Certificate(content);
      return undefined;
    } catch {
      return 'is not a PEM certificate';
    }
  },
};

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The SubscribeURL of a confirmation signed with the development certificate: on this machine
 * (the stand-in's own endpoint), since no AWS topic exists to confirm. Same shape rules as an SNS
 * one otherwise: no user name or password, `Action=ConfirmSubscription`.
 */
export function loopbackSubscribeUrl(text: string | undefined): URL | undefined {
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username !== '' || url.password !== '' || !LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  return url.searchParams.get('Action') === 'ConfirmSubscription' ? url : undefined;
}
