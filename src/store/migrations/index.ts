// Migrations in the order they run; append, never edit a released one.
import { Core1763700000001 } from './0001-core.js';

export const MIGRATIONS = [Core1763700000001];
