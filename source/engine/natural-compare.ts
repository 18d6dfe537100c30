// How machine names are ordered wherever they are listed: `ls`, the app, a swarm's members.
/** Natural order on lower-cased names (`node2` before `node10`), as `ls` sorts. */
export function naturalCompare(a: string, b: string): number {
	const chunks = (text: string) => text.toLowerCase().match(/\d+|\D+/g) ?? [];
	const left = chunks(a);
	const right = chunks(b);
	for (let index = 0; index < Math.min(left.length, right.length); index++) {
		const x = left[index]!;
		const y = right[index]!;
		if (x === y) continue;
		const bothNumbers = /^\d/.test(x) && /^\d/.test(y);
		if (bothNumbers) {
			const difference = Number(x) - Number(y);
			if (difference !== 0) return difference;
			return x.length - y.length;
		}

		return x < y ? -1 : 1;
	}

	return left.length - right.length;
}
