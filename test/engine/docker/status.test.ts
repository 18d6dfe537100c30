import test from 'ava';
import {humanDuration, leastSeconds, statusAfter, statusChangesIn} from '../../../source/engine/docker/status.js';

test('humanDuration words durations as docker ps does', t => {
	const cases: Array<[number, string]> = [
		[0, 'Less than a second'],
		[1, '1 second'],
		[59, '59 seconds'],
		[60, 'About a minute'],
		[119, 'About a minute'],
		[120, '2 minutes'],
		[3599, '59 minutes'],
		[3600, 'About an hour'],
		[5399, 'About an hour'],
		[5400, '2 hours'],
		[47 * 3600, '47 hours'],
		[48 * 3600, '2 days'],
		[14 * 24 * 3600, '2 weeks'],
		[60 * 24 * 3600, '2 months'],
		[2 * 365 * 24 * 3600, '2 years'],
	];
	for (const [seconds, words] of cases) t.is(humanDuration(seconds), words, `${seconds} s`);
});

test('leastSeconds is the start of the span each wording covers', t => {
	for (const seconds of [0, 1, 5, 59, 60, 61, 120, 3000, 3600, 5400, 9000, 100_000, 1_300_000, 6_000_000, 70_000_000]) {
		const least = leastSeconds(humanDuration(seconds))!;
		t.true(least <= seconds, `${seconds}: ${least}`);
		t.is(humanDuration(Math.ceil(least)), humanDuration(seconds), `${seconds} s reads as its own least`);
	}

	t.is(leastSeconds('a while'), undefined);
});

test('a status moves on with the time since the list, and only where it names a duration', t => {
	t.is(statusAfter('Up 5 seconds', 10_000), 'Up 15 seconds');
	t.is(statusAfter('Up 50 seconds', 20_000), 'Up About a minute');
	t.is(statusAfter('Up 5 minutes', 60_000), 'Up 6 minutes');
	t.is(statusAfter('Up Less than a second', 3000), 'Up 3 seconds');
	t.is(statusAfter('Up 2 minutes (healthy)', 120_000), 'Up 4 minutes (healthy)');
	t.is(statusAfter('Up 59 minutes (Paused)', 60_000), 'Up About an hour (Paused)');
	t.is(statusAfter('Exited (0) 3 seconds ago', 60_000), 'Exited (0) About a minute ago');
	t.is(statusAfter('Exited (137) 2 hours ago', 3_600_000), 'Exited (137) 3 hours ago');
	t.is(statusAfter('Restarting (1) 4 seconds ago', 2000), 'Restarting (1) 6 seconds ago');
	t.is(statusAfter('Created', 60_000), 'Created');
	t.is(statusAfter('Up 5 seconds', 0), 'Up 5 seconds');
});

test('a status says when it next reads differently: the next second, minute or hour of its duration', t => {
	t.is(statusChangesIn('Up 5 seconds', 200), 800);
	t.is(statusChangesIn('Up 5 minutes', 30_000), 30_000);
	t.is(statusChangesIn('Exited (0) 3 hours ago', 0), 3_600_000);
	t.is(statusChangesIn('Created', 0), undefined);
	for (const [status, elapsed] of [
		['Up 5 seconds', 200],
		['Up 59 seconds', 999],
		['Up 5 minutes', 30_000],
		['Up About an hour', 1000],
		['Exited (0) 3 hours ago', 0],
	] as const) {
		const wait = statusChangesIn(status, elapsed)!;
		t.is(statusAfter(status, elapsed + wait - 1), statusAfter(status, elapsed), `${status}: the same until then`);
		t.not(statusAfter(status, elapsed + wait), statusAfter(status, elapsed), `${status}: different then`);
	}
});
