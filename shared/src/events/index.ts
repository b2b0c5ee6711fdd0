export { Channels } from './channels.js';
export type { EventBus } from './event-bus.js';
export { LocalEventBus } from './local-event-bus.js';
export { RedisEventBus } from './redis-event-bus.js';
