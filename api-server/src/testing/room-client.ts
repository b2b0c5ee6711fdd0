import { once } from 'node:events';
import WebSocket from 'ws';
import type { RoomFrame } from '../websocket/room-frame.js';

type RoomMessage = Extract<RoomFrame, { type: 'message' }>;

/** A connected member of a WebSocket room that keeps every frame it receives. */
export interface RoomClient {
  ws: WebSocket;
  frames: RoomFrame[];
  /** The instance the client landed on (from the welcome frame). */
  instanceId: string;
  /** Resolves with the first frame (received or to come) matching `predicate`; fails after `timeoutMs`. */
  next(predicate: (frame: RoomFrame) => boolean, timeoutMs?: number): Promise<RoomFrame>;
  /** next() for the message whose text is `data`. */
  message(data: string, timeoutMs?: number): Promise<RoomMessage>;
}

/**
 * Joins `room` at `baseUrl` (an api-server, or the balancer or gateway in front of one) and
 * resolves once the welcome frame arrived. `headers` go on the upgrade request (X-Forwarded-For...).
 */
export async function joinRoom(
  baseUrl: string,
  room: string,
  headers: Record<string, string> = {},
): Promise<RoomClient> {
  const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/api/v1/ws?room=${room}`, { headers });
  const frames: RoomFrame[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    frames.push(JSON.parse(String(data)) as RoomFrame);
    for (const wake of waiters) wake();
  });
  await once(ws, 'open');
  const next = (predicate: (frame: RoomFrame) => boolean, timeoutMs = 3000) =>
    new Promise<RoomFrame>((resolve, reject) => {
      const check = () => {
        const found = frames.find(predicate);
        if (found === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no such frame within ${timeoutMs} ms in ${JSON.stringify(frames)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  const message = (data: string, timeoutMs?: number) =>
    next((f) => f.type === 'message' && f.data === data, timeoutMs) as Promise<RoomMessage>;
  const welcome = await next((f) => f.type === 'welcome');
  return { ws, frames, next, message, instanceId: welcome.type === 'welcome' ? welcome.instanceId : '' };
}
