// The registry of configured targets. Secrets stay in here: what leaves goes through describeConnection.
export {
  createConnectionRegistry,
  describeConnection,
  type ConnectionDescription,
  type ConnectionRegistry,
} from './registry.js';
