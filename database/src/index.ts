export {
  type Role,
  type SessionRecord,
  SessionRepository,
  type Tier,
} from './repositories/session-repository.js';
export { generateSessionToken, hashSessionToken, isWellFormedSessionToken } from './session-token.js';
