import type {ReactNode} from 'react';
import type {ContainerTable, MachineRow, Operation} from '../../engine/index.js';
import type {AppState} from '../reducers/state.js';

/** What the engine reports now, as the app last read it: every screen's view may draw from it. */
export type Seen = {
	/** Machine rows in list order, as the poller last reported them. */
	rows: readonly MachineRow[];
	/** The poller has reported: an empty list means "no machines" only then. */
	loaded: boolean;
	/** Operations in the order they started. */
	operations: readonly Operation[];
	/** The clock of the newest data drawn: a render must not read the clock. */
	now: number;
	/** The watched machines' containers, as the watcher last reported them. */
	containers: readonly ContainerTable[];
	/** Tells the poller which machines are on screen (it polls those at the beat). */
	onVisible: (names: readonly string[]) => void;
};

/** A screen's view is drawn from its screen state, the app state and what is seen, in `height` lines. */
export type ScreenViewProps<S> = {
	readonly screen: S;
	readonly state: AppState;
	readonly height: number;
	readonly seen: Seen;
};

export type ScreenView<S> = (props: ScreenViewProps<S>) => ReactNode;
