import test from 'ava';
import {createTheme, stateColor} from '../../source/tui/theme.js';

test('NO_COLOR and the none theme turn colour off; light and dark differ', t => {
	t.deepEqual(createTheme('auto', {NO_COLOR: '1'}), {});
	t.deepEqual(createTheme('dark', {NO_COLOR: '1'}), {});
	t.deepEqual(createTheme('none', {}), {});
	t.is(stateColor(createTheme('none', {}), 'Running'), undefined);
	t.is(stateColor(createTheme('auto', {}), 'Running'), 'green');
	t.is(stateColor(createTheme('auto', {}), 'Error'), 'red');
	t.not(createTheme('light', {}).accent, createTheme('dark', {}).accent);
});
