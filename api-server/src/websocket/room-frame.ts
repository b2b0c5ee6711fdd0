/**
 * What a client of `/api/v1/ws?room=` receives, one JSON text frame each: a welcome naming the
 * instance it landed on, then every message sent to the room (the sender's own included).
 */
export type RoomFrame =
  | { type: 'welcome'; room: string; instanceId: string }
  | { type: 'message'; room: string; from: string; data: string };
