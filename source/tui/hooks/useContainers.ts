import {useEffect, useState, useSyncExternalStore} from 'react';
import type {ContainerStats, ContainerTable} from '../../engine/index.js';
import type {ContainerFeed, LogFeed} from '../containers.js';

/** The watched machines' containers, drawn again whenever the watcher reports. */
export function useContainerTables(feed: ContainerFeed): readonly ContainerTable[] {
	return useSyncExternalStore(
		listener => feed.subscribe(listener),
		() => feed.tables(),
	);
}

/** A held key moves the selection through many rows: a stats stream opens once it rests. */
const statsSettleMs = 300;

/** The CPU and memory of the selected container, each second, while it is selected and running. */
export function useContainerStats(feed: ContainerFeed, machine: string | undefined, id: string | undefined): ContainerStats | undefined {
	const [stats, setStats] = useState<{key: string; stats: ContainerStats}>();
	const key = machine && id ? `${machine}/${id}` : undefined;
	useEffect(() => {
		if (!machine || !id) return;
		let stop: (() => void) | undefined;
		const timer = setTimeout(() => {
			stop = feed.followStats(machine, id, next => {
				setStats({key: `${machine}/${id}`, stats: next});
			});
		}, statsSettleMs);
		return () => {
			clearTimeout(timer);
			stop?.();
		};
	}, [feed, machine, id]);
	return stats && stats.key === key ? stats.stats : undefined;
}

/** The log feed's lines; `version` changes with every batch, as the array is appended in place. */
export function useLogFeed(feed: LogFeed): {version: number; ended?: string} {
	const version = useSyncExternalStore(
		listener => feed.subscribe(listener),
		() => feed.version(),
	);
	return {version, ended: feed.ended()};
}
