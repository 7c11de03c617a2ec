// The installed connectors: one list and one loader for workers, clients and the CLI (in the SDK).
export { CONNECTOR_PACKAGES, loadConnectors, pluginEntry, type LoadedConnectors } from '@sluice/connector-sdk';
