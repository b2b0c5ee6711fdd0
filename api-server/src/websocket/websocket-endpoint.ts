import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  type EventBus,
  FloodgateError,
  type Logger,
  REQUEST_ID_HEADER,
  refuseUpgrade,
  resolveRequestId,
} from '@floodgate/shared';
import { type WebSocket, WebSocketServer } from 'ws';
import type { RoomFrame } from './room-frame.js';
import { RoomHub, type RoomMember } from './room-hub.js';

/** The one WebSocket route: `GET /api/v1/ws?room=<name>`. */
const WS_PATH = '/api/v1/ws';
/** Largest text frame a client may send; larger closes the socket with 1009. */
export const MAX_MESSAGE_BYTES = 16 * 1024;
/** Open sockets per instance; beyond it upgrades get 503 OVERLOADED. */
const MAX_SOCKETS = 10_000;
/** A member whose unsent frames exceed this is too slow to keep (closed with 1013). */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** After the 1001 close frame, a socket still open this much later is cut. */
const CLOSE_GRACE_MS = 1000;
const ROOM = /^[A-Za-z0-9._-]{1,64}$/;

const NOT_FOUND = new FloodgateError('NOT_FOUND');
const SHUTTING_DOWN = new FloodgateError('SHUTTING_DOWN');
const OVERLOADED = new FloodgateError('OVERLOADED');
const BAD_ROOM = new FloodgateError('VALIDATION_FAILED', 'room must be 1-64 letters, digits, . _ -');

export interface WebSocketEndpointDeps {
  bus: EventBus;
  instanceId: string;
  logger: Logger;
  /** True once the instance is shutting down: new sockets are refused. */
  isStopping: () => boolean;
}

export interface WebSocketEndpoint {
  /** The server's 'upgrade' listener. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Subscribes to the other instances' room messages. */
  start(): Promise<void>;
  /** Closes every socket with 1001 (going away), cutting those still open after a grace. */
  closeAll(): void;
  /** closeAll, then stops listening to the bus. */
  close(): void;
  readonly size: number;
}

/**
 * `GET /api/v1/ws?room=<name>` (the `ws` package): joins a room; each text frame a client sends
 * (≤ MAX_MESSAGE_BYTES) reaches every member of the room on every instance as
 * `{"type":"message","room","from":<instanceId>,"data":<text>}`. On connect the client gets
 * `{"type":"welcome","room","instanceId"}`. Refused upgrades get an HTTP error envelope.
 */
export function createWebSocketEndpoint(deps: WebSocketEndpointDeps): WebSocketEndpoint {
  const { logger, instanceId } = deps;
  const hub = new RoomHub(deps.bus, { instanceId, origin: randomBytes(8).toString('hex'), logger });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
  });

  const memberOf = (ws: WebSocket): RoomMember => ({
    send(frame: string) {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        ws.close(1013, 'too slow');
        return;
      }
      ws.send(frame);
    },
  });

  function onConnection(ws: WebSocket, room: string): void {
    const member = memberOf(ws);
    hub.join(room, member);
    ws.on('error', () => {});
    ws.on('close', () => hub.leave(room, member));
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        ws.close(1003, 'text frames only');
        return;
      }
      hub.publish(room, String(data)).catch((err: unknown) => {
        logger.warn(
          { err: (err as Error).message, room },
          'websocket message not published to other instances',
        );
      });
    });
    const welcome: RoomFrame = { type: 'welcome', room, instanceId };
    ws.send(JSON.stringify(welcome));
  }

  return {
    handleUpgrade(req, socket, head) {
      socket.on('error', () => {});
      const requestId = resolveRequestId(req.headers[REQUEST_ID_HEADER]);
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      if ((q === -1 ? url : url.slice(0, q)) !== WS_PATH || req.method !== 'GET') {
        refuseUpgrade(socket, NOT_FOUND, requestId);
        return;
      }
      if (deps.isStopping()) {
        refuseUpgrade(socket, SHUTTING_DOWN, requestId);
        return;
      }
      const room = q === -1 ? null : new URLSearchParams(url.slice(q + 1)).get('room');
      if (room === null || !ROOM.test(room)) {
        refuseUpgrade(socket, BAD_ROOM, requestId);
        return;
      }
      if (wss.clients.size >= MAX_SOCKETS) {
        refuseUpgrade(socket, OVERLOADED, requestId, { 'retry-after': 1 });
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, room));
    },
    start: () => hub.start(),
    closeAll() {
      for (const ws of wss.clients) ws.close(1001, 'server shutting down');
      const timer = setTimeout(() => {
        for (const ws of wss.clients) ws.terminate();
      }, CLOSE_GRACE_MS);
      timer.unref();
    },
    close() {
      this.closeAll();
      hub.close();
      wss.close();
    },
    get size() {
      return wss.clients.size;
    },
  };
}
