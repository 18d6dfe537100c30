import {useMemo} from 'react';
import {type ClusterView, type Engine, listCluster, QueryPoller, type QuerySnapshot} from '../../engine/index.js';
import {usePolled} from './usePolled.js';

/** Asked again this often while the screen is open: roles and task counts change under deploys. */
const refreshMs = 3000;

/** The swarm a machine is in, as one of its managers sees it, asked again at a beat. */
export function useCluster(engine: Engine, machine: string): QuerySnapshot<ClusterView> {
	const poller = useMemo(() => new QueryPoller(async signal => listCluster(engine, machine, {signal}), {intervalMs: refreshMs}), [engine, machine]);
	return usePolled(poller);
}
