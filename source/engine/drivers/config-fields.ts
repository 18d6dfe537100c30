import type {BaseDriverConfig} from '../store/host.js';

/**
 * Typed reads of a driver's stored JSON (fromConfig), with the value a missing or mistyped field
 * stands for: records written by other tools or older versions lack fields.
 */
export function stringField(config: BaseDriverConfig, name: string, fallback = ''): string {
	const value = config[name];
	return typeof value === 'string' ? value : fallback;
}

export function numberField(config: BaseDriverConfig, name: string, fallback = 0): number {
	const value = config[name];
	return typeof value === 'number' ? value : fallback;
}

export function stringListField(config: BaseDriverConfig, name: string): string[] {
	const value = config[name];
	return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
