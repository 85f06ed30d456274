export * from './lib/address-class';
