import test from 'ava';
import {parseOsRelease} from '../../../source/engine/provision/os-release.js';

test('os-release values keep = signs, and single and double quotes are both understood', t => {
	const os = parseOsRelease('ID=\'debian\'\nPRETTY_NAME="A \\"quoted\\" name"\nHOME_URL="https://x.example/?a=b"\n# comment\nBROKEN LINE\n');
	t.is(os.id, 'debian');
	t.is(os.prettyName, 'A "quoted" name');
	t.is(os.raw.HOME_URL, 'https://x.example/?a=b');
});
