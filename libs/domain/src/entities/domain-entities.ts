import { Channel } from './channel.entity';
import { GroupMessage } from './group-message.entity';
import { Message } from './message.entity';

/** Every entity of the schema, for a DataSource's `entities`. */
export const DOMAIN_ENTITIES = [Channel, GroupMessage, Message];
