import {ClusterView} from './cluster/View.js';
import {ContainersView} from './containers/View.js';
import {CreateView} from './create/View.js';
import {DetailsView} from './details/View.js';
import {ListView} from './list/View.js';
import {LogsView} from './logs/View.js';
import {OperationsView} from './operations/View.js';
import type {Screen, ScreenName} from './registry.js';
import {ServicesView} from './services/View.js';
import {SetView} from './set/View.js';
import type {ScreenView} from './view.js';

/** Each screen's view, by the name in registry.ts (the app draws the current one). */
const screenViews: {[Name in ScreenName]: ScreenView<Extract<Screen, {name: Name}>>} = {
	list: ListView,
	details: DetailsView,
	cluster: ClusterView,
	operations: OperationsView,
	create: CreateView,
	containers: ContainersView,
	logs: LogsView,
	set: SetView,
	services: ServicesView,
};

/** The view of the screen given, typed for it. */
export function viewOf<S extends Screen>(screen: S): ScreenView<S> {
	return screenViews[screen.name] as ScreenView<S>;
}
