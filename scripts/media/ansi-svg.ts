/**
 * Renders a tmux `capture-pane -e` (text with ANSI SGR colours) as an SVG terminal picture, so
 * the readme's screenshots come from the real app in a real terminal.
 */
const palette = ['#1d1f21', '#cc6666', '#8abe63', '#e0b34c', '#81a2be', '#b294bb', '#5fb3b3', '#c5c8c6'];
const bright = ['#666666', '#ff7b7b', '#a4d46a', '#f5d16f', '#9cc3ff', '#d4aee0', '#7fd6d6', '#ffffff'];

type Style = {fg?: string; bg?: string; bold?: boolean; dim?: boolean; inverse?: boolean};

function colour256(index: number): string {
	if (index < 8) return palette[index]!;
	if (index < 16) return bright[index - 8]!;
	if (index >= 232) {
		const level = 8 + (index - 232) * 10;
		return `rgb(${level},${level},${level})`;
	}

	const cube = index - 16;
	const steps = [0, 95, 135, 175, 215, 255];
	return `rgb(${steps[Math.floor(cube / 36)]},${steps[Math.floor(cube / 6) % 6]},${steps[cube % 6]})`;
}

function applySgr(style: Style, codes: number[]): Style {
	const next = {...style};
	for (let index = 0; index < codes.length; index++) {
		const code = codes[index]!;
		if (code === 0) Object.assign(next, {fg: undefined, bg: undefined, bold: false, dim: false, inverse: false});
		else if (code === 1) next.bold = true;
		else if (code === 2) next.dim = true;
		else if (code === 7) next.inverse = true;
		else if (code === 22) Object.assign(next, {bold: false, dim: false});
		else if (code === 27) next.inverse = false;
		else if (code >= 30 && code <= 37) next.fg = palette[code - 30];
		else if (code === 39) next.fg = undefined;
		else if (code >= 40 && code <= 47) next.bg = palette[code - 40];
		else if (code === 49) next.bg = undefined;
		else if (code >= 90 && code <= 97) next.fg = bright[code - 90];
		else if (code >= 100 && code <= 107) next.bg = bright[code - 100];
		else if ((code === 38 || code === 48) && codes[index + 1] === 5) {
			next[code === 38 ? 'fg' : 'bg'] = colour256(codes[index + 2] ?? 0);
			index += 2;
		} else if ((code === 38 || code === 48) && codes[index + 1] === 2) {
			next[code === 38 ? 'fg' : 'bg'] = `rgb(${codes[index + 2]},${codes[index + 3]},${codes[index + 4]})`;
			index += 4;
		}
	}

	return next;
}

const escapeXml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

export function ansiToSvg(capture: string, options: {columns: number; title?: string}): string {
	const cell = {width: 8.4, height: 17};
	const lines = capture.replace(/\n$/, '').split('\n');
	const pad = 12;
	const top = options.title ? 30 : pad;
	const width = Math.ceil(options.columns * cell.width + pad * 2);
	const height = Math.ceil(lines.length * cell.height + top + pad);
	const parts: string[] = [];
	const foreground = '#d8dee9';
	for (const [row, line] of lines.entries()) {
		let style: Style = {};
		let column = 0;
		for (const piece of line.split(/(\u001B\[[\d;]*m)/)) {
			const sgr = /^\u001B\[([\d;]*)m$/.exec(piece);
			if (sgr) {
				style = applySgr(style, (sgr[1] || '0').split(';').map(Number));
				continue;
			}

			if (piece === '') continue;
			const x = pad + column * cell.width;
			const y = top + row * cell.height;
			const fg = style.inverse ? (style.bg ?? '#1d1f21') : (style.fg ?? foreground);
			const bg = style.inverse ? (style.fg ?? foreground) : style.bg;
			const {length} = [...piece];
			if (bg) parts.push(`<rect x="${x.toFixed(1)}" y="${y}" width="${(length * cell.width).toFixed(1)}" height="${cell.height}" fill="${bg}"/>`);
			if (piece.trim() !== '') {
				parts.push(
					`<text x="${x.toFixed(1)}" y="${y + 13}" fill="${fg}"${style.bold ? ' font-weight="bold"' : ''}${style.dim ? ' opacity="0.55"' : ''} xml:space="preserve">${escapeXml(piece)}</text>`,
				);
			}

			column += length;
		}
	}

	const title = options.title
		? `<circle cx="20" cy="15" r="5" fill="#ff5f56"/><circle cx="36" cy="15" r="5" fill="#ffbd2e"/><circle cx="52" cy="15" r="5" fill="#27c93f"/><text x="${width / 2}" y="19" fill="#aaaaaa" text-anchor="middle" font-size="12">${escapeXml(options.title)}</text>`
		: '';
	return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14"><rect width="100%" height="100%" rx="6" fill="#1d1f21"/>${title}${parts.join('')}</svg>\n`;
}
