/** Where a connection points, without its password: `engine://user@host:port/database`. */
type Spec = { url: string } | { config: Record<string, unknown> };

/** One name per connector: spellings of the same engine name the same connection. */
const ENGINES: Record<string, string> = {
  postgres: 'postgresql',
  postgresql: 'postgresql',
  postgresqlconnector: 'postgresql',
  mysql: 'mysql',
  mariadb: 'mysql',
  mysqlmariadbconnector: 'mysql',
  mongodb: 'mongodb',
  'mongodb+srv': 'mongodb',
  mongodbconnector: 'mongodb',
  oracle: 'oracle',
  oracleconnector: 'oracle',
  mssql: 'mssql',
  sqlserver: 'mssql',
  mssqlconnector: 'mssql',
  db2: 'db2',
  db2connector: 'db2',
};

const DEFAULT_PORTS: Record<string, string> = { postgresql: '5432', mysql: '3306', mongodb: '27017', oracle: '1521', mssql: '1433', db2: '50000' };

const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/**
 * The normalized identity of an inline connection: engine aliases merged, host lower-cased,
 * the engine's default port filled in, user and database percent-decoded; password, query and
 * fragment dropped. A URL and a config of the same database give the same identity.
 */
export function connectionIdentity(spec: Spec): string {
  if ('url' in spec) return urlIdentity(spec.url);
  const c = spec.config;
  const engine = engineName(String(c.connector_type ?? ''));
  return join(engine, String(c.username ?? ''), String(c.host ?? ''), String(c.port ?? ''), String(c.database ?? ''));
}

function urlIdentity(url: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/*/i.exec(url);
  if (!scheme) return join('unknown', '', '', '', '');
  const rest = url.slice(scheme[0].length);
  // Hosts never hold '@': the last one before the path ends the user info (a password may hold '@', '/', '?').
  const at = rest.lastIndexOf('@');
  const userInfo = at >= 0 ? rest.slice(0, at) : '';
  const afterUser = at >= 0 ? rest.slice(at + 1) : rest;
  const hostEnd = afterUser.search(/[/?#]/);
  const hostPort = hostEnd >= 0 ? afterUser.slice(0, hostEnd) : afterUser;
  const path = hostEnd >= 0 && afterUser[hostEnd] === '/' ? afterUser.slice(hostEnd + 1).split(/[?#]/)[0]! : '';
  const portMatch = /^(.*?)(?::(\d*))?$/.exec(hostPort)!;
  const user = userInfo.split(':')[0]!;
  return join(engineName(scheme[1]!), decode(user), portMatch[1]!, portMatch[2] ?? '', decode(path));
}

function engineName(name: string): string {
  const key = name.toLowerCase();
  return ENGINES[key] ?? key.replace(/connector$/, '');
}

function join(engine: string, user: string, host: string, port: string, database: string): string {
  const p = port || DEFAULT_PORTS[engine] || '';
  return `${engine}://${encodeURIComponent(user)}@${host.toLowerCase()}:${p}/${encodeURIComponent(database)}`;
}
