import { Channel } from './channel.entity';
import { GroupMessage } from './group-message.entity';
import { Message } from './message.entity';
import { WebhookSubscription } from './webhook-subscription.entity';

export const DOMAIN_ENTITIES = [Channel, GroupMessage, Message, WebhookSubscription];
