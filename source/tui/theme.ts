import {createContext, useContext} from 'react';
import type {MachineState, Preferences} from '../engine/index.js';

/**
 * Colours by meaning. Components ask for `theme.danger`, never for `red`, so a theme (or no
 * colour at all) is one object. Undefined means "the terminal's own colour".
 */
export type Theme = {
	accent?: string;
	muted?: string;
	success?: string;
	warning?: string;
	danger?: string;
	busy?: string;
};

const dark: Theme = {accent: 'cyan', muted: 'gray', success: 'green', warning: 'yellow', danger: 'red', busy: 'cyan'};
// Yellow and cyan wash out on a white background.
const light: Theme = {accent: 'blue', muted: 'gray', success: 'green', warning: 'magenta', danger: 'red', busy: 'blue'};
const none: Theme = {};

/** `theme: none` or NO_COLOR (any non-empty value, per no-color.org) turns colour off. */
export function createTheme(preference: Preferences['theme'], env: NodeJS.ProcessEnv): Theme {
	if (preference === 'none' || env.NO_COLOR) return none;
	return preference === 'light' ? light : dark;
}

export function stateColor(theme: Theme, state: MachineState): string | undefined {
	switch (state) {
		case 'Running': {
			return theme.success;
		}

		case 'Error': {
			return theme.danger;
		}

		case 'Timeout':
		case 'Paused':
		case 'Saved': {
			return theme.warning;
		}

		case 'Starting':
		case 'Stopping': {
			return theme.busy;
		}

		default: {
			return theme.muted;
		}
	}
}

export const ThemeContext = createContext<Theme>(dark);

export function useTheme(): Theme {
	return useContext(ThemeContext);
}
