export { Channels } from './channels.js';
export { type CreatedEventBus, createEventBus, EVENT_BUS_ENV } from './create-event-bus.js';
export type { EventBus } from './event-bus.js';
export { IpcEventBus, type IpcEventMessage, type IpcPort, isIpcEventMessage } from './ipc-event-bus.js';
export { LocalEventBus } from './local-event-bus.js';
export { RedisEventBus } from './redis-event-bus.js';
