// Imported first by bin.ts: the title is rewritten before the rest of the CLI loads.
import { hideCommandLineSecrets } from './command-line';

hideCommandLineSecrets();
