export { type ApiServer, type ApiServerDeps, createApiServer } from './api-server.js';
