// Authorization: which verified identities may use which connection.
export {
  authorize,
  holdsGroup,
  reachableConnections,
  type Decision,
  type Grant,
} from './authorize.js';
