export { generateRequestId, REQUEST_ID_HEADER, resolveRequestId } from './request-id.js';
