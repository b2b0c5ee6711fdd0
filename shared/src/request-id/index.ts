export { generateRequestId, isValidRequestId, REQUEST_ID_HEADER, resolveRequestId } from './request-id.js';
