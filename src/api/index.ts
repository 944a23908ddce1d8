export { buildApi, startApiServer, type ApiServer, type ApiServerOptions } from './server.js';
