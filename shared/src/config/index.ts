export { type ApiServerConfig, ApiServerEnv, loadApiServerConfig } from './api-server-config.js';
export { type CommonConfig, CommonEnv } from './common-config.js';
export { ConfigError } from './config-error.js';
export { type GatewayConfig, GatewayEnv, loadGatewayConfig } from './gateway-config.js';
export { type LoadBalancerConfig, LoadBalancerEnv, loadLoadBalancerConfig } from './load-balancer-config.js';
export { envNames, parseEnv } from './parse-env.js';
export { type PostgresConfig, PostgresEnv, toPostgresConfig } from './postgres-config.js';
export { type RedisConfig, RedisEnv, toRedisConfig } from './redis-config.js';
