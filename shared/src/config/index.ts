export { type ApiServerConfig, ApiServerEnv, loadApiServerConfig } from './api-server-config.js';
export { ConfigError } from './config-error.js';
export {
  DEV_API_KEY_SECRET,
  type FailMode,
  type GatewayConfig,
  GatewayEnv,
  loadGatewayConfig,
  type RouteLimit,
  type RouteLimitKey,
  TIERS,
  type TierLimit,
  type TierName,
} from './gateway-config.js';
export { type LoadBalancerConfig, LoadBalancerEnv, loadLoadBalancerConfig } from './load-balancer-config.js';
export { envNames, parseEnv } from './parse-env.js';
export { type PostgresConfig, PostgresEnv, toPostgresConfig } from './postgres-config.js';
export { type RedisConfig, RedisEnv, toRedisConfig } from './redis-config.js';
