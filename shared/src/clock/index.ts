export { type Clock, type ClockTimer, systemClock } from './clock.js';
export { FakeClock } from './fake-clock.js';
