import {ClusterView} from './cluster/View.js';
import {ContainersView} from './containers/View.js';
import {CreateView} from './create/View.js';
import {DetailsView} from './details/View.js';
import {ListView} from './list/View.js';
import {LogsView} from './logs/View.js';
import {OperationsView} from './operations/View.js';
import type {Screen, ScreenName} from './registry.js';
import type {ScreenView} from './view.js';

/** Each screen's view, by the name in registry.ts (the app draws the current one). */
export const screenViews: {[Name in ScreenName]: ScreenView<Extract<Screen, {name: Name}>>} = {
	list: ListView,
	details: DetailsView,
	cluster: ClusterView,
	operations: OperationsView,
	create: CreateView,
	containers: ContainersView,
	logs: LogsView,
};
