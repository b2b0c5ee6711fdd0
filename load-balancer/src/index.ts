export {
  type AdminHandler,
  type AdminHandlerOptions,
  createAdminHandler,
} from './admin/create-admin-handler.js';
export {
  createLoadBalancer,
  type LoadBalancer,
  type LoadBalancerDeps,
  type LoadBalancerEvents,
} from './load-balancer.js';
