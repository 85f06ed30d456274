/** The lean reference's own exchange and quorum queue (in the round's own virtual host). */
export const REFERENCE_EXCHANGE = 'reference.status';
export const REFERENCE_QUEUE = 'reference.status.update';
