export { createRedisClient, type Redis, type RedisClientOptions } from './create-redis-client.js';
