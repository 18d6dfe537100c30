import {appReducer} from './reducers/app.js';
import {initialAppState, type AppAction, type AppState, type AppView, type Effect} from './reducers/state.js';

export type Dispatch = (action: AppAction) => void;

/**
 * The app's state outside React: each action (a key, an answer from the engine) is applied at
 * once, its effects run before the next action, and React draws whatever is current when it
 * gets to it. So the mode a key is handled in never waits for a render.
 */
export type AppStore = {
	getState(): AppState;
	subscribe(listener: () => void): () => void;
	dispatch: Dispatch;
};

export function createAppStore(view: () => AppView, run: (effect: Effect, dispatch: Dispatch) => void, initial: AppState = initialAppState): AppStore {
	let state = initial;
	const listeners = new Set<() => void>();
	const dispatch: Dispatch = action => {
		const result = appReducer(state, action, view());
		if (result.state !== state) {
			state = result.state;
			for (const listener of listeners) listener();
		}

		for (const effect of result.effects) run(effect, dispatch);
	};

	return {
		getState: () => state,
		subscribe(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		dispatch,
	};
}
