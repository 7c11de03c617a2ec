export { buildServer, openValidatingCatalog, type ApiOptions } from './server';
export { startApi, serveUntilSignal, type ServeOptions, type RunningApi } from './serve';
export { TokenVerifier, jwtOptionsFromEnv, type JwtOptions } from './auth';
