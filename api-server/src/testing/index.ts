export { joinRoom, type RoomClient } from './room-client.js';
