export * from './lib/address-class';
export * from './lib/delivery-signature';
export * from './lib/retry-after';
export * from './lib/webhook-sender';
export * from './lib/delivery-schedule';
